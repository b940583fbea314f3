package sim

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// writeError answers status with an error body in the shape of r's wire:
// Bedrock's (bedrockError), Google's (googleError), else Anthropic's, whose
// request-id header, if set, is repeated in the body.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, errType, msg string) {
	switch upstreamOf(r).kind {
	case KindBedrock:
		writeBedrockError(w, status, errType, msg)
		return
	case KindVertex:
		writeGoogleError(w, r, status, msg)
		return
	}
	h := w.Header()
	id := h.Get("request-id")
	if id == "" { // an admin endpoint
		id = newID("req_01", 22)
		h.Set("request-id", id)
	} else if h.Get("anthropic-ratelimit-requests-limit") == "" {
		s.peekRateHeaders(w, r, "")
	}
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(marshal(errorBody{Type: "error", Error: errorDetail{Type: errType, Message: msg}, RequestID: id}))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readBody reads a request body of at most maxBody bytes. Too large a body
// is answered 413 request_too_large; a failed read ends the request.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var body []byte
	err := error(&http.MaxBytesError{Limit: maxBody})
	if r.ContentLength <= maxBody {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	if err == nil {
		s.last.keep(upstreamOf(r).name, body)
		return body, true
	}
	s.count(r, "", "invalid")
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, "request_too_large",
			"Request exceeds the maximum allowed number of bytes. The maximum request size is 32 MB.")
		return nil, false
	}
	s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "could not read the request body: "+err.Error())
	return nil, false
}

// setRateHeaders sets the anthropic-ratelimit-* headers that the real API
// sends with every answer: for requests, tokens, input tokens and output
// tokens, the limit per minute, what remains, and when the bucket is full
// again (RFC 3339, whole seconds rounded up).
func setRateHeaders(h http.Header, st rateState) {
	for _, f := range []struct {
		keys [3]string
		fam  family
	}{
		{hdrRequests, st.requests}, {hdrTokens, st.tokens()}, {hdrInput, st.input}, {hdrOutput, st.output},
	} {
		h[f.keys[0]] = []string{strconv.FormatInt(f.fam.limit, 10)}
		h[f.keys[1]] = []string{strconv.FormatInt(f.fam.remaining, 10)}
		h[f.keys[2]] = []string{rfc3339Ceil(f.fam.reset)}
	}
}

// rfc3339Ceil formats t in UTC to the second, rounded up so that a client
// waiting until then finds the bucket full.
func rfc3339Ceil(t time.Time) string {
	if r := t.Truncate(time.Second); r.Before(t) {
		t = r.Add(time.Second)
	}
	return t.UTC().Format(time.RFC3339)
}

// peekRateHeaders sets the rate-limit headers of a request that takes
// nothing from the buckets, on the wires that send them (not Bedrock's or
// Vertex's).
func (s *Server) peekRateHeaders(w http.ResponseWriter, r *http.Request, model string) {
	up := upstreamOf(r)
	if sendsRateHeaders(up.kind) {
		setRateHeaders(w.Header(), s.limits.peek(up, model, s.clock.Now()))
	}
}

// sendsRateHeaders reports whether answers on wire kind carry the
// anthropic-ratelimit-* headers: the first-party wire does, the clouds'
// own (Bedrock InvokeModel, Vertex rawPredict) do not.
func sendsRateHeaders(kind string) bool { return kind != KindBedrock && kind != KindVertex }

var (
	hdrRequests = rateKeys("requests")
	hdrTokens   = rateKeys("tokens")
	hdrInput    = rateKeys("input-tokens")
	hdrOutput   = rateKeys("output-tokens")
)

// rateKeys are the canonical limit, remaining and reset header keys of kind.
func rateKeys(kind string) [3]string {
	p := "anthropic-ratelimit-" + kind + "-"
	return [3]string{http.CanonicalHeaderKey(p + "limit"), http.CanonicalHeaderKey(p + "remaining"), http.CanonicalHeaderKey(p + "reset")}
}
