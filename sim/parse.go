package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseRules reads fault rules from the JSON of a --faults file or a
// PUT /_sim/faults body: {"rules":[...]} (a bare [...] array is accepted
// too). Unknown fields, bad durations and out-of-range values are errors
// that name the rule and the field.
func ParseRules(data []byte) ([]Rule, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := strictDecode(data, &raws); err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
	} else {
		var doc struct {
			Rules *[]json.RawMessage `json:"rules"`
			// Phase and PhaseRules are what GET /_sim/faults adds; they are
			// read-only and ignored here so that a GET body can be PUT back.
			Phase      json.RawMessage `json:"phase"`
			PhaseRules json.RawMessage `json:"phase_rules"`
		}
		if err := strictDecode(data, &doc); err != nil {
			return nil, err
		}
		if doc.Rules == nil {
			return nil, errors.New(`missing "rules": want {"rules":[...]}`)
		}
		raws = *doc.Rules
	}
	rules := make([]Rule, 0, len(raws))
	for i, raw := range raws {
		var r Rule
		if err := strictDecode(raw, &r); err != nil {
			return nil, fmt.Errorf("rules[%d]%s: %w", i, badDurationField(raw), err)
		}
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// ParseScript reads a --script file: {"phases":[{"name","duration","rules"}],"loop"}.
// Errors name the phase, the rule and the field.
func ParseScript(data []byte) (Script, error) {
	var doc struct {
		Phases []json.RawMessage `json:"phases"`
		Loop   bool              `json:"loop"`
	}
	if err := strictDecode(data, &doc); err != nil {
		return Script{}, fmt.Errorf("script: %w", err)
	}
	sc := Script{Loop: doc.Loop}
	for i, raw := range doc.Phases {
		var p struct {
			Name     string            `json:"name"`
			Duration Duration          `json:"duration"`
			Rules    []json.RawMessage `json:"rules"`
		}
		if err := strictDecode(raw, &p); err != nil {
			return Script{}, fmt.Errorf("phases[%d]%s: %w", i, badDurationField(raw), err)
		}
		ph := Phase{Name: p.Name, Duration: p.Duration, Rules: make([]Rule, 0, len(p.Rules))}
		for j, rr := range p.Rules {
			var r Rule
			if err := strictDecode(rr, &r); err != nil {
				return Script{}, fmt.Errorf("phases[%d]: rules[%d]%s: %w", i, j, badDurationField(rr), err)
			}
			ph.Rules = append(ph.Rules, r)
		}
		sc.Phases = append(sc.Phases, ph)
	}
	if err := sc.validate(); err != nil {
		return Script{}, err
	}
	return sc, nil
}

// badDurationField names (as ".field") the first duration field of a JSON
// object that does not parse, because encoding/json does not say which
// field a custom decoder rejected; "" when there is none.
func badDurationField(obj []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(obj, &fields) != nil {
		return ""
	}
	for _, name := range []string{"duration", "latency", "retry_after", "stall"} {
		if raw, ok := fields[name]; ok {
			var d Duration
			if d.UnmarshalJSON(raw) != nil {
				return "." + name
			}
		}
	}
	return ""
}

// strictDecode decodes one JSON value into v, rejecting unknown fields and
// trailing data, with error messages that read without knowing Go.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func cleanJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("empty body: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Errorf("%s: a JSON %s is not valid here (want %s)", typ.Field, typ.Value, jsonKind(typ.Type.Kind().String()))
		}
		return fmt.Errorf("a JSON %s is not valid here (want %s)", typ.Value, jsonKind(typ.Type.Kind().String()))
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", f)
	}
	return errors.New(strings.TrimPrefix(msg, "json: "))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "float32", "float64":
		return "a number"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") {
		return "an integer"
	}
	return goKind
}
