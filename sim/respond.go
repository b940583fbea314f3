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
		setRateHeaders(h, s.limits.peek("", s.clock.Now()), 0)
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
// sends with every answer.
func setRateHeaders(h http.Header, rl rateInfo, inputTokens int) {
	h[hdrRequestsLimit] = []string{strconv.Itoa(rl.limit)}
	h[hdrRequestsRemaining] = []string{strconv.Itoa(rl.remaining)}
	h[hdrRequestsReset] = []string{rl.reset.UTC().Format(time.RFC3339)}
	tokenReset := []string{rl.now.Add(time.Second).UTC().Format(time.RFC3339)}
	for _, k := range tokenHeaders {
		used := inputTokens
		if k.output {
			used = 0
		}
		h[k.limit] = []string{k.limitValue}
		h[k.remaining] = []string{strconv.Itoa(max(0, k.max-used))}
		h[k.reset] = tokenReset
	}
}

var (
	hdrRequestsLimit     = http.CanonicalHeaderKey("anthropic-ratelimit-requests-limit")
	hdrRequestsRemaining = http.CanonicalHeaderKey("anthropic-ratelimit-requests-remaining")
	hdrRequestsReset     = http.CanonicalHeaderKey("anthropic-ratelimit-requests-reset")
	tokenHeaders         = []tokenHeader{
		newTokenHeader("tokens", 2_400_000, false),
		newTokenHeader("input-tokens", 2_000_000, false),
		newTokenHeader("output-tokens", 400_000, true),
	}
)

// tokenHeader is one family of token rate-limit headers, with canonical keys.
type tokenHeader struct {
	limit, remaining, reset string
	limitValue              string
	max                     int
	output                  bool
}

func newTokenHeader(kind string, limit int, output bool) tokenHeader {
	p := "anthropic-ratelimit-" + kind + "-"
	return tokenHeader{
		limit:      http.CanonicalHeaderKey(p + "limit"),
		remaining:  http.CanonicalHeaderKey(p + "remaining"),
		reset:      http.CanonicalHeaderKey(p + "reset"),
		limitValue: strconv.Itoa(limit),
		max:        limit,
		output:     output,
	}
}
