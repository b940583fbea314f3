package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// index records where each key of a parsed file is, so that errors from the
// YAML decoder (which know a token) and from Validate (which know a key path)
// can both be given a line and a key path.
type index struct {
	entries []entry             // in document order
	errs    []*Error            // whole numbers written with a fraction
	byPath  map[string]int      // display path -> line
	present map[string]bool     // segment paths (joined by sep) written in the file
	colons  map[[2]int]string   // line, column of a key's ':' -> the key's path
	anchors map[string]ast.Node // anchor name -> anchored value, for aliases
	depth   int                 // aliases being walked, to stop alias loops
}

type entry struct {
	path      string // display path, e.g. "profiles.interactive.attempts"
	line, col int
	key       bool // a mapping key, not a sequence item
}

// sep joins path segments in index.present; model names may contain dots.
const sep = "\x1f"

// newIndex indexes the keys under root, which decodes into a value of type t.
// The type lets it catch what the decoder lets through: a number with a
// fraction for an integer field (the decoder would drop the fraction).
func newIndex(root ast.Node, t reflect.Type) *index {
	ix := &index{byPath: map[string]int{}, present: map[string]bool{}, colons: map[[2]int]string{}, anchors: map[string]ast.Node{}}
	ix.walk(root, "", nil, t)
	return ix
}

// elem returns the type a child of a t-typed node decodes into (nil when
// unknown): a struct field by its yaml key, a map's or a slice's element.
func elem(t reflect.Type, key string) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer:
		return t.Elem()
	case reflect.Struct:
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key {
				return t.Field(i).Type
			}
		}
	}
	return nil
}

func (ix *index) add(path string, tk *token.Token, key bool) {
	if tk == nil {
		return
	}
	ix.entries = append(ix.entries, entry{path: path, line: tk.Position.Line, col: tk.Position.Column, key: key})
	if _, ok := ix.byPath[path]; !ok {
		ix.byPath[path] = tk.Position.Line
	}
}

func (ix *index) walk(n ast.Node, path string, segs []string, t reflect.Type) {
	ix.walkNode(n, path, segs, t, false)
}

// walkNode indexes n. Under an alias (aliased), it records only which keys
// are present: the positions are the anchor's, not the path's.
func (ix *index) walkNode(n ast.Node, path string, segs []string, t reflect.Type, aliased bool) {
	switch n := n.(type) {
	case *ast.DocumentNode:
		ix.walkNode(n.Body, path, segs, t, aliased)
	case *ast.AnchorNode:
		if n.Name != nil {
			ix.anchors[n.Name.GetToken().Value] = n.Value
		}
		ix.walkNode(n.Value, path, segs, t, aliased)
	case *ast.AliasNode:
		if n.Value != nil {
			if v, ok := ix.anchors[n.Value.GetToken().Value]; ok && ix.depth < 32 {
				ix.depth++
				ix.walkNode(v, path, segs, t, true)
				ix.depth--
			}
		}
	case *ast.TagNode:
		ix.walkNode(n.Value, path, segs, t, aliased)
	case *ast.FloatNode:
		if !aliased && t != nil && t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 && n.Value != math.Trunc(n.Value) {
			ix.errs = append(ix.errs, &Error{Line: n.GetToken().Position.Line, Key: path,
				Msg: fmt.Sprintf("want a whole number, got %s", n.GetToken().Value)})
		}
	case *ast.MappingNode:
		for _, mv := range n.Values {
			ix.walkNode(mv, path, segs, t, aliased)
		}
	case *ast.MappingValueNode:
		if n.Key == nil {
			return
		}
		if n.Key.IsMergeKey() { // "<<: *base" merges base's keys into this mapping
			ix.walkNode(n.Value, path, segs, t, true)
			return
		}
		tk := keyToken(n.Key)
		if tk == nil {
			return
		}
		name := tk.Value
		p := name
		if path != "" {
			p = path + "." + name
		}
		s := append(append([]string(nil), segs...), name)
		ix.present[strings.Join(s, sep)] = true
		if !aliased {
			ix.add(p, tk, true)
			if n.Start != nil {
				ix.colons[[2]int{n.Start.Position.Line, n.Start.Position.Column}] = p
			}
		}
		ix.walkNode(n.Value, p, s, elem(t, name), aliased)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p := path + "[" + strconv.Itoa(i) + "]"
			s := append(append([]string(nil), segs...), "["+strconv.Itoa(i)+"]")
			if !aliased {
				ix.add(p, v.GetToken(), false)
			}
			ix.walkNode(v, p, s, elem(t, ""), aliased)
		}
	}
}

// keyToken returns the token holding a mapping key's text, looking through
// an anchor or a tag on the key.
func keyToken(k ast.Node) *token.Token {
	for {
		switch n := k.(type) {
		case *ast.AnchorNode:
			k = n.Value
		case *ast.TagNode:
			k = n.Value
		case *ast.MappingKeyNode: // "? key"
			k = n.Value
		case nil:
			return nil
		default:
			return n.GetToken()
		}
	}
}

// has reports whether the file wrote the key at the given path segments.
func (ix *index) has(segs ...string) bool { return ix.present[strings.Join(segs, sep)] }

// at returns the key path a decoder error at tk belongs to: the last entry at
// or before tk. A type error reported on a child key, or on the ':' after it
// (a mapping where a scalar was wanted), belongs to the parent; parentOfKey
// asks for that.
func (ix *index) at(tk *token.Token, parentOfKey bool) string {
	if tk == nil {
		return ""
	}
	line, col := tk.Position.Line, tk.Position.Column
	if p, ok := ix.colons[[2]int{line, col}]; ok && parentOfKey {
		return parent(p)
	}
	best := -1
	for i, e := range ix.entries {
		if e.line < line || (e.line == line && e.col <= col) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	e := ix.entries[best]
	if parentOfKey && e.key && e.line == line && e.col == col {
		return parent(e.path)
	}
	return e.path
}

// lineOf returns the line of path, or of its nearest ancestor in the file;
// 0 when none is.
func (ix *index) lineOf(path string) int {
	for p := path; p != ""; p = parent(p) {
		if l, ok := ix.byPath[p]; ok {
			return l
		}
	}
	return 0
}

// parent returns the path one level up: "a.b[2]" -> "a.b", "a.b" -> "a".
func parent(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}
