package jsonscan

// Response is what the gateway reads from an upstream's JSON answer, a whole
// message or the data of one stream event, found by [ScanResponse] in the
// pass that validates it. Its slices point into the scanned bytes.
type Response struct {
	// Usage is the raw value of the top-level "usage" (a message, a
	// message_delta event), or nil when there is none.
	Usage []byte
	// MessageUsage is the raw value of "usage" in the top-level "message"
	// object (a message_start event), or nil when there is none.
	MessageUsage []byte
}

// ScanResponse reports whether b is one valid JSON value, as json.Valid does,
// and, when it is an object, finds its usage in the same pass (all of r is
// overwritten; it is empty when b is not valid). A name given more than once counts by its last value, and a
// key counts by its decoded name, as with encoding/json.
func ScanResponse(b []byte, r *Response) bool {
	*r = Response{}
	s := scanner{b: b}
	s.ws()
	var err error
	if s.isObject() {
		err = s.members(func(ks, ke int, escaped bool) error { return s.responseMember(r, ks, ke, escaped) })
	} else {
		err = s.value()
	}
	if err != nil || !s.end() {
		*r = Response{}
		return false
	}
	return true
}

// responseMember reads the value of one top-level member of an answer.
func (s *scanner) responseMember(r *Response, ks, ke int, escaped bool) error {
	vs := s.i
	switch string(s.keyName(ks, ke, escaped)) {
	case "usage":
		err := s.value()
		r.Usage = s.b[vs:s.i]
		return err
	case "message":
		r.MessageUsage = nil
		if s.isObject() {
			return s.members(func(ks, ke int, escaped bool) error {
				vs := s.i
				err := s.value()
				if string(s.keyName(ks, ke, escaped)) == "usage" {
					r.MessageUsage = s.b[vs:s.i]
				}
				return err
			})
		}
	}
	return s.value()
}
