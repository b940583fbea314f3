package jsonscan

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// maxDepth is the deepest nesting accepted, as encoding/json accepts it.
const maxDepth = 10000

// ErrSyntax marks a body that is not valid JSON.
var ErrSyntax = errors.New("invalid JSON")

// ErrNotObject marks a body that is valid JSON but not an object.
var ErrNotObject = errors.New("not a JSON object")

// Valid reports whether b is one valid JSON value, as json.Valid does.
func Valid(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	return s.value() == nil && s.end()
}

// scanner walks JSON bytes. Every method starts at s.i and leaves s.i just
// past what it consumed.
type scanner struct {
	b     []byte
	i     int
	depth int
}

// members reads an object, s.i at its '{': for each member it reads the key
// and calls member with the key's byte range (quotes included; escaped when
// the key holds a backslash escape) and s.i at the value, which member must
// consume.
func (s *scanner) members(member func(ks, ke int, escaped bool) error) error {
	empty, err := s.objectStart()
	for !empty {
		if err != nil {
			return err
		}
		ks, ke, escaped, kerr := s.key()
		if kerr != nil {
			return kerr
		}
		if err := member(ks, ke, escaped); err != nil {
			return err
		}
		empty, err = s.objectNext()
	}
	return err
}

// keyName is the name of the key at s.b[ks:ke] (quotes included), decoded
// when escaped.
func (s *scanner) keyName(ks, ke int, escaped bool) []byte {
	if escaped {
		return []byte(decodeString(s.b[ks:ke], true))
	}
	return s.b[ks+1 : ke-1]
}

// isObject reports whether the value at s.i is an object.
func (s *scanner) isObject() bool { return s.i < len(s.b) && s.b[s.i] == '{' }

// isString reports whether the value at s.i is a string.
func (s *scanner) isString() bool { return s.i < len(s.b) && s.b[s.i] == '"' }

// end skips trailing white space and reports whether nothing else follows.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value() error {
	if s.i >= len(s.b) {
		return ErrSyntax
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return ErrSyntax
}

// objectStart consumes '{' and reports whether the object is empty (then
// '}' is consumed too).
func (s *scanner) objectStart() (empty bool, err error) {
	s.depth++
	if s.depth > maxDepth {
		return false, ErrSyntax
	}
	s.i++ // '{'
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return true, nil
	}
	return false, nil
}

// key reads a member's key and the colon after it, leaving s.i at the value.
func (s *scanner) key() (ks, ke int, escaped bool, err error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return 0, 0, false, ErrSyntax
	}
	ks = s.i
	if escaped, err = s.str(); err != nil {
		return 0, 0, false, err
	}
	ke = s.i
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return 0, 0, false, ErrSyntax
	}
	s.i++
	s.ws()
	return ks, ke, escaped, nil
}

// objectNext consumes what follows a member's value: ',' (done=false) or
// '}' (done=true).
func (s *scanner) objectNext() (done bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return false, ErrSyntax
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		s.ws()
		return false, nil
	case '}':
		s.i++
		s.depth--
		return true, nil
	}
	return false, ErrSyntax
}

func (s *scanner) object() error {
	empty, err := s.objectStart()
	if empty || err != nil {
		return err
	}
	for {
		if _, _, _, err := s.key(); err != nil {
			return err
		}
		if err := s.value(); err != nil {
			return err
		}
		if done, err := s.objectNext(); done || err != nil {
			return err
		}
	}
}

func (s *scanner) array() error {
	s.depth++
	if s.depth > maxDepth {
		return ErrSyntax
	}
	s.i++ // '['
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if err := s.value(); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return ErrSyntax
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return ErrSyntax
		}
	}
}

// strPlain marks the bytes that may appear in a string without attention.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string; escaped reports whether it holds a backslash escape.
func (s *scanner) str() (escaped bool, err error) {
	b := s.b
	i := s.i + 1
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return false, ErrSyntax
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return escaped, nil
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return false, ErrSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return false, ErrSyntax
				}
				i += 6
			default:
				return false, ErrSyntax
			}
		default: // a control character
			return false, ErrSyntax
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return ErrSyntax
	}
	s.i += len(lit)
	return nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	b, i := s.b, s.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return ErrSyntax
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return ErrSyntax
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return ErrSyntax
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	s.i = i
	return nil
}

// decodeString returns the value of the JSON string q (quotes included).
func decodeString(q []byte, escaped bool) string {
	if !escaped && utf8.Valid(q) {
		return string(q[1 : len(q)-1])
	}
	var v string
	if json.Unmarshal(q, &v) != nil {
		return ""
	}
	return v
}
