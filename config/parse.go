package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads the YAML config file at path and returns it over the defaults,
// validated; see [Parse]. Errors name the file as given, e.g.
// `config.yaml:7: unknown key "breakr"`.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return parse(path, data)
}

// Parse reads a YAML config file (DESIGN §7b) and returns it applied over
// [Default]: every key is optional and what is left out keeps its default
// (maps such as chains and profiles are merged key by key, and a profile or a
// price field by field). An empty file gives the defaults. The result is
// validated with [Config.Validate]; call Validate again after
// [Config.ApplyOverrides].
//
// Unknown keys, values of the wrong type and bad durations are errors that
// name the key and its line, e.g. `line 7: unknown key "breakr"`.
func Parse(data []byte) (Config, error) { return parse("", data) }

func parse(name string, data []byte) (Config, error) {
	fail := func(errs ...*Error) (Config, error) {
		for _, e := range errs {
			e.File = name
		}
		return Config{}, join(errs)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return fail(yamlError(err, nil))
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	cfg := Default()
	if len(docs) == 0 {
		return cfg, nil
	}
	if len(docs) > 1 {
		return fail(&Error{Line: lineOfNode(docs[1].Body), Msg: "the file holds more than one YAML document; write one"})
	}
	body := docs[0].Body
	if _, ok := body.(*ast.NullNode); ok {
		return cfg, nil
	}
	switch body.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		return fail(&Error{Line: lineOfNode(body), Msg: "the file must be a mapping of keys such as addr: and chains:, got " + kindName(body.Type())})
	}
	ix := newIndex(body, reflect.TypeFor[Config]())
	// The decoder keeps the defaults of struct fields the file leaves out but
	// replaces a map whole; maps are decoded empty and merged below.
	cfg.Chains, cfg.Profiles, cfg.Prices, cfg.Upstreams = nil, nil, nil, nil
	if err := yaml.NodeToValue(body, &cfg, yaml.Strict()); err != nil {
		return fail(yamlError(err, ix))
	}
	if len(ix.errs) > 0 {
		return fail(ix.errs...)
	}
	cfg.Chains, cfg.Profiles, cfg.Prices, cfg.Upstreams = merge(cfg, ix)
	if err := cfg.Validate(); err != nil {
		errs := flatten(err)
		for _, e := range errs {
			e.Line = ix.lineOf(e.Key)
		}
		return fail(errs...)
	}
	return cfg, nil
}

// merge returns the chains, profiles, prices and upstreams of the defaults with those
// decoded from the file in c added key by key. A profile or a price the file
// names keeps the default values of the fields the file leaves out (a new
// profile's defaults are interactive's; a new price's are 0).
func merge(c Config, ix *index) (map[string][]Tier, map[string]Profile, catalog.Prices, map[string]Upstream) {
	d := Default()
	for name, ch := range c.Chains {
		d.Chains[name] = ch
	}
	for name, u := range c.Upstreams {
		d.Upstreams[name] = u
	}
	for name, p := range c.Profiles {
		fillUnset(reflect.ValueOf(&p).Elem(), reflect.ValueOf(defaultProfile(name)), ix, "profiles", name)
		d.Profiles[name] = p
	}
	for model, p := range c.Prices {
		if def, ok := d.Prices[model]; ok {
			fillUnset(reflect.ValueOf(&p).Elem(), reflect.ValueOf(def), ix, "prices", model)
		}
		d.Prices[model] = p
	}
	return d.Chains, d.Profiles, d.Prices, d.Upstreams
}

// fillUnset copies into dst each field of def whose yaml key the file did not
// write under path, descending into nested structs the file did write.
func fillUnset(dst, def reflect.Value, ix *index, path ...string) {
	t := dst.Type()
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		sub := append(append([]string(nil), path...), key)
		switch {
		case !ix.has(sub...):
			dst.Field(i).Set(def.Field(i))
		case t.Field(i).Type.Kind() == reflect.Struct:
			fillUnset(dst.Field(i), def.Field(i), ix, sub...)
		}
	}
}

// yamlError turns an error of the YAML parser or decoder into an *Error with
// a line and, when ix is given, a key path.
func yamlError(err error, ix *index) *Error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{Msg: err.Error()}
	}
	tk := ye.GetToken()
	e := &Error{Msg: ye.GetMessage()}
	if tk != nil {
		e.Line = tk.Position.Line
	}
	if ix == nil {
		return e
	}
	var (
		unknown *yaml.UnknownFieldError
		typ     *yaml.TypeError
		over    *yaml.OverflowError
		node    *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		e.Key = ix.at(tk, false)
		e.Msg = fmt.Sprintf("unknown key %q", e.Key)
		e.keyInMsg = true
	case errors.As(err, &typ):
		e.Key = ix.at(tk, true)
		e.Msg = fmt.Sprintf("want %s, got %s", describeType(typ.DstType), describeValue(typ.SrcType, tk.Value))
	case errors.As(err, &over):
		e.Key = ix.at(tk, false)
		e.Msg = fmt.Sprintf("%s does not fit in %s", over.SrcNum, describeType(over.DstType))
	case errors.As(err, &node):
		e.Key = ix.at(tk, true)
		e.Msg = fmt.Sprintf("want %s, got %s", kindName(node.Expected), kindName(node.Actual))
	default:
		e.Key = ix.at(tk, false)
	}
	return e
}

func describeType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeFor[Duration]() {
		return `a duration such as "2s"`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

func describeValue(t reflect.Type, text string) string {
	if t != nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			return "a list"
		case reflect.Map:
			return "a mapping"
		}
	}
	return fmt.Sprintf("%q", text)
}

// kindName words a node type with its article: "a mapping", "an integer".
func kindName(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType, ast.MappingKeyType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.IntegerType, ast.InfinityType:
		return "an " + strings.ToLower(t.String())
	case ast.NullType:
		return "nothing"
	}
	return "a " + strings.ToLower(t.String())
}

func lineOfNode(n ast.Node) int {
	if tk := n.GetToken(); tk != nil {
		return tk.Position.Line
	}
	return 0
}
