package sim

import (
	"bytes"
	"io"
	"net/http"
)

// enter gives r its upstream (name and kind, in r's context), the answer's
// request-id header of that wire, and for a cloud kind checks its
// credentials, which needs the body: it is read here (at most maxBody) and
// put back. It reports whether the request goes on; if not, it was answered.
func (s *Server) enter(w http.ResponseWriter, r *http.Request, rt route) (*http.Request, bool) {
	kind := rt.kind
	if kind == "" {
		kind = firstPartyKind("", s.credentialKind(r), rt.name)
	}
	up := upstream{name: rt.name, kind: kind, path: rt.path}
	if up.name == "" {
		up.name = kind
	}
	r = withUpstream(r, up)
	s.stats.proto(r.Proto)
	switch kind {
	case KindBedrock:
		w.Header().Set("x-amzn-RequestId", newUUID())
	case KindVertex:
	default:
		// Every API answer carries it, errors included (writeError adds the
		// rate-limit headers when a handler has not).
		w.Header().Set("request-id", newID("req_01", 22))
	}
	if kind == KindAnthropic {
		return r, true
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return r, false
	}
	if f := s.authorize(r, body, kind); f != nil {
		s.count(r, "", "unauthorized")
		s.writeError(w, r, f.status, f.code, f.message)
		return r, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r, true
}
