package jsonscan

// Member is one top-level member of a body: the byte ranges, in the body, of
// its key (quotes included) and of its value.
type Member struct {
	KeyStart, KeyEnd int
	ValStart, ValEnd int
}

// Request is what the gateway needs from a Messages request's top-level
// members, found by [ScanRequest] in one pass over the body's bytes.
type Request struct {
	// HasModel is set when there is a top-level "model"; ModelIsString when
	// its value is a string, which lies at body[ModelStart:ModelEnd] (quotes
	// included) and decodes to Model.
	HasModel, ModelIsString bool
	ModelStart, ModelEnd    int
	Model                   string
	// DupModel is set when "model" appears more than once (the last counts,
	// as with encoding/json).
	DupModel bool
	// Stream is true when "stream" is the literal true; StreamNotBool when
	// it is there with a value other than true, false or null. The last
	// "stream" counts, as with encoding/json.
	Stream, StreamNotBool bool
	// HasMessages is set when there is a top-level "messages".
	HasMessages bool
	// UserID is metadata.user_id when it is a string, else "".
	UserID string
	// Members lists every top-level member, in order. It holds up to 12
	// members without an allocation.
	Members []Member
	inline  [12]Member
}

// ScanRequest checks that body is one valid JSON object and reads its
// top-level members into r (all of r is overwritten). The error is
// [ErrSyntax], or [ErrNotObject] for valid JSON that is not an object.
func ScanRequest(body []byte, r *Request) error {
	*r = Request{}
	r.Members = r.inline[:0]
	s := scanner{b: body}
	s.ws()
	if !s.isObject() {
		if s.value() == nil && s.end() {
			return ErrNotObject
		}
		return ErrSyntax
	}
	err := s.members(func(ks, ke int, escaped bool) error {
		return s.requestMember(r, ks, ke, escaped)
	})
	if err != nil {
		return err
	}
	if !s.end() {
		return ErrSyntax
	}
	return nil
}

// ReplaceModel returns the parts of body, as scanned into r, with the value of
// its top-level "model" replaced by model (a JSON string, quotes included):
// every other byte is kept as it was. Valid only when r.ModelIsString.
func (r *Request) ReplaceModel(body, model []byte) (head, value, tail []byte) {
	return body[:r.ModelStart], model, body[r.ModelEnd:]
}

// requestMember reads the value of the top-level member whose key is at
// s.b[ks:ke], noting what the gateway needs.
func (s *scanner) requestMember(r *Request, ks, ke int, escaped bool) error {
	vs := s.i
	var err error
	switch string(s.keyName(ks, ke, escaped)) {
	case "model":
		r.DupModel = r.HasModel
		r.HasModel = true
		r.ModelIsString = false
		if s.isString() {
			var esc bool
			if esc, err = s.str(); err == nil {
				r.ModelIsString = true
				r.ModelStart, r.ModelEnd = vs, s.i
				r.Model = decodeString(s.b[vs:s.i], esc)
			}
		} else {
			err = s.value()
		}
	case "stream":
		if err = s.value(); err == nil {
			v := s.b[vs:s.i]
			r.Stream = string(v) == "true"
			r.StreamNotBool = !r.Stream && string(v) != "false" && string(v) != "null"
		}
	case "messages":
		r.HasMessages = true
		err = s.value()
	case "metadata":
		if s.isObject() {
			err = s.members(func(ks, ke int, escaped bool) error { return s.metadataMember(r, ks, ke, escaped) })
		} else {
			err = s.value()
		}
	default:
		err = s.value()
	}
	if err == nil {
		r.Members = append(r.Members, Member{ks, ke, vs, s.i})
	}
	return err
}

// metadataMember reads one member of the metadata object, keeping user_id.
func (s *scanner) metadataMember(r *Request, ks, ke int, escaped bool) error {
	if !s.isString() || string(s.keyName(ks, ke, escaped)) != "user_id" {
		return s.value()
	}
	vs := s.i
	esc, err := s.str()
	if err == nil {
		r.UserID = decodeString(s.b[vs:s.i], esc)
	}
	return err
}
