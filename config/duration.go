package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Duration is a [time.Duration] written in config files, flags and JSON as a Go
// duration string: "150ms", "2s", "1m30s". A bare number ("5", 5) is rejected
// because its unit would be a guess; only 0 may be written without a unit.
type Duration time.Duration

// Std returns d as a [time.Duration].
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d like [time.Duration.String] without trailing zero units:
// "10m" rather than "10m0s", "1h" rather than "1h0m0s", "0s" for zero.
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// ParseDuration parses a Go duration string; see [Duration].
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration; write a Go duration such as \"2s\" or \"150ms\"")
	}
	if isNumber(t) {
		if isZero(t) {
			return 0, nil
		}
		return 0, fmt.Errorf("duration %q has no unit; write a Go duration such as \"%ss\" or \"%sms\"", s, t, t)
	}
	v, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q; write a Go duration such as \"2s\", \"150ms\" or \"1m30s\"", s)
	}
	return Duration(v), nil
}

// isNumber reports whether s is a plain decimal number, e.g. "5", "-1", "2.5".
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return s != "."
}

func isZero(s string) bool { return strings.Trim(s, "+-0.") == "" }

// UnmarshalYAML reads a YAML scalar. Errors carry the scalar's position, so
// that the config loader can name the line. A null leaves d unchanged.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.NullNode:
		return nil
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		v, err := ParseDuration(n.GetToken().Value)
		if err != nil {
			return &yaml.SyntaxError{Message: err.Error(), Token: n.GetToken()}
		}
		*d = v
		return nil
	default:
		return &yaml.SyntaxError{
			Message: "want a duration such as \"2s\" or \"150ms\", got " + kindName(node.Type()),
			Token:   node.GetToken(),
		}
	}
}

// MarshalYAML writes d as a duration string ([Duration.String]).
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalText parses a duration string; it lets flag.TextVar and other
// text-based decoders read a Duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText writes d as a duration string ([Duration.String]).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON string such as "2s". A JSON number is rejected,
// except 0; null leaves d unchanged.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	return d.UnmarshalText([]byte(s))
}

// MarshalJSON writes d as a JSON string such as "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
