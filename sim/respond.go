package sim

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// writeError answers status with an Anthropic error body; the request-id
// header, if set, is repeated in the body.
func (s *Server) writeError(w http.ResponseWriter, status int, errType, msg string) {
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
		return body, true
	}
	s.count("", "invalid")
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.writeError(w, http.StatusRequestEntityTooLarge, "request_too_large",
			"Request exceeds the maximum allowed number of bytes. The maximum request size is 32 MB.")
		return nil, false
	}
	s.writeError(w, http.StatusBadRequest, "invalid_request_error", "could not read the request body: "+err.Error())
	return nil, false
}

// setRateHeaders sets the anthropic-ratelimit-* headers that the real API
// sends with every answer.
func setRateHeaders(h http.Header, rl rateInfo, inputTokens int) {
	h.Set("anthropic-ratelimit-requests-limit", strconv.Itoa(rl.limit))
	h.Set("anthropic-ratelimit-requests-remaining", strconv.Itoa(rl.remaining))
	h.Set("anthropic-ratelimit-requests-reset", rl.reset.UTC().Format(time.RFC3339))
	tokenReset := rl.now.Add(time.Second).UTC().Format(time.RFC3339)
	for _, kind := range [...]struct {
		name  string
		limit int
	}{{"tokens", 2_400_000}, {"input-tokens", 2_000_000}, {"output-tokens", 400_000}} {
		used := inputTokens
		if kind.name == "output-tokens" {
			used = 0
		}
		h.Set("anthropic-ratelimit-"+kind.name+"-limit", strconv.Itoa(kind.limit))
		h.Set("anthropic-ratelimit-"+kind.name+"-remaining", strconv.Itoa(max(0, kind.limit-used)))
		h.Set("anthropic-ratelimit-"+kind.name+"-reset", tokenReset)
	}
}
