package gateway

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// maxDepth is the deepest nesting accepted, as encoding/json accepts it.
const maxDepth = 10000

// errSyntax marks a body that is not valid JSON.
var errSyntax = errors.New("invalid JSON")

// errNotObject marks a body that is valid JSON but not an object.
var errNotObject = errors.New("not a JSON object")

// member is one top-level member of a request body: byte ranges of its key
// (quotes included) and of its value.
type member struct {
	keyStart, keyEnd int
	valStart, valEnd int
}

// reqFields are the top-level members of a Messages request the gateway
// needs, found by one pass over the body's bytes with no decoding.
type reqFields struct {
	// hasModel is set when there is a top-level "model"; modelIsString when
	// its value is a string, which lies at body[modelStart:modelEnd] (quotes
	// included) and decodes to model.
	hasModel, modelIsString bool
	modelStart, modelEnd    int
	model                   string
	// dupModel is set when "model" appears more than once.
	dupModel bool
	// stream is true when "stream" is the literal true; streamNotBool when
	// it is there with a value other than true, false or null. The last
	// "stream" counts, as with encoding/json.
	stream, streamNotBool bool
	// hasMessages is set when there is a top-level "messages".
	hasMessages bool
	// userID is metadata.user_id when it is a string.
	userID string
	// members lists every top-level member, in order.
	members []member
	inline  [12]member
}

// scanner walks JSON bytes. Every method starts at s.i and leaves s.i just
// past what it consumed.
type scanner struct {
	b     []byte
	i     int
	depth int
}

// scanRequest checks that body is one valid JSON object and reads its
// top-level members. The error is errSyntax, or errNotObject.
func scanRequest(body []byte, f *reqFields) error {
	*f = reqFields{}
	f.members = f.inline[:0]
	s := scanner{b: body}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		if s.value() == nil && s.end() {
			return errNotObject
		}
		return errSyntax
	}
	empty, err := s.objectStart()
	for !empty {
		if err != nil {
			return err
		}
		ks, ke, escaped, kerr := s.key()
		if kerr != nil {
			return kerr
		}
		if err := s.topMember(f, ks, ke, escaped); err != nil {
			return err
		}
		empty, err = s.objectNext()
	}
	if err != nil {
		return err
	}
	if !s.end() {
		return errSyntax
	}
	return nil
}

// topMember reads the value of the top-level member whose key is at
// s.b[ks:ke], noting what the gateway needs.
func (s *scanner) topMember(f *reqFields, ks, ke int, escaped bool) error {
	key := s.b[ks+1 : ke-1]
	if escaped {
		key = unescapeKey(s.b[ks:ke])
	}
	vs := s.i
	var err error
	switch string(key) {
	case "model":
		f.dupModel = f.hasModel
		f.hasModel = true
		f.modelIsString = false
		if s.i < len(s.b) && s.b[s.i] == '"' {
			var esc bool
			if esc, err = s.str(); err == nil {
				f.modelIsString = true
				f.modelStart, f.modelEnd = vs, s.i
				f.model = decodeString(s.b[vs:s.i], esc)
			}
		} else {
			err = s.value()
		}
	case "stream":
		if err = s.value(); err == nil {
			v := s.b[vs:s.i]
			f.stream = string(v) == "true"
			f.streamNotBool = !f.stream && string(v) != "false" && string(v) != "null"
		}
	case "messages":
		f.hasMessages = true
		err = s.value()
	case "metadata":
		if s.i < len(s.b) && s.b[s.i] == '{' {
			err = s.metadata(f)
		} else {
			err = s.value()
		}
	default:
		err = s.value()
	}
	if err == nil {
		f.members = append(f.members, member{ks, ke, vs, s.i})
	}
	return err
}

// metadata reads the metadata object, keeping user_id.
func (s *scanner) metadata(f *reqFields) error {
	empty, err := s.objectStart()
	for !empty {
		if err != nil {
			return err
		}
		ks, ke, escaped, kerr := s.key()
		if kerr != nil {
			return kerr
		}
		key := s.b[ks+1 : ke-1]
		if escaped {
			key = unescapeKey(s.b[ks:ke])
		}
		if string(key) == "user_id" && s.i < len(s.b) && s.b[s.i] == '"' {
			vs := s.i
			esc, serr := s.str()
			if serr != nil {
				return serr
			}
			f.userID = decodeString(s.b[vs:s.i], esc)
		} else if err := s.value(); err != nil {
			return err
		}
		empty, err = s.objectNext()
	}
	return err
}

// validJSON reports whether b is one valid JSON value, as json.Valid does.
func validJSON(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	return s.value() == nil && s.end()
}

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
		return errSyntax
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
	return errSyntax
}

// objectStart consumes '{' and reports whether the object is empty (then
// '}' is consumed too).
func (s *scanner) objectStart() (empty bool, err error) {
	s.depth++
	if s.depth > maxDepth {
		return false, errSyntax
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
		return 0, 0, false, errSyntax
	}
	ks = s.i
	if escaped, err = s.str(); err != nil {
		return 0, 0, false, err
	}
	ke = s.i
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return 0, 0, false, errSyntax
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
		return false, errSyntax
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
	return false, errSyntax
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
		return errSyntax
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
			return errSyntax
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
			return errSyntax
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
			return false, errSyntax
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return escaped, nil
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return false, errSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return false, errSyntax
				}
				i += 6
			default:
				return false, errSyntax
			}
		default: // a control character
			return false, errSyntax
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return errSyntax
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
		return errSyntax
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return errSyntax
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
			return errSyntax
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

func unescapeKey(q []byte) []byte { return []byte(decodeString(q, true)) }

// rewriteModel returns the parts of body with the value of its top-level
// "model" replaced by model: every other byte is kept as it was.
func rewriteModel(body []byte, f *reqFields, model []byte) (head, value, tail []byte) {
	return body[:f.modelStart], model, body[f.modelEnd:]
}
