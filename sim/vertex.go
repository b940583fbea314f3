package sim

import (
	"net/http"
	"strings"
)

// vertexVersion is the anthropic_version Vertex AI requires.
const vertexVersion = "vertex-2023-10-16"

// handleRawPredict answers Vertex AI's POST
// /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{id}:rawPredict
// and :streamRawPredict: the body is the first-party one without model, with
// anthropic_version "vertex-2023-10-16"; the answer is the first-party
// message, or its SSE stream for streamRawPredict (or "stream": true).
func (s *Server) handleRawPredict(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	model := vertexModel(rt.model)
	first, err := providerBody(body, vertexVersion, model, rt.stream, false)
	if err != nil {
		s.count(r, model, "invalid")
		s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	s.messages(w, r, first)
}

// vertexModel maps a Vertex model id to the first-party name: the version
// after "@" is dropped ("claude-sonnet-5-5@20260514" is "claude-sonnet-5-5").
func vertexModel(id string) string {
	m, _, _ := strings.Cut(id, "@")
	return m
}

// googleStatus is the canonical status name Google APIs give an HTTP status.
func googleStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ABORTED"
	case http.StatusRequestEntityTooLarge:
		return "INVALID_ARGUMENT"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusServiceUnavailable, 529:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	if status < 500 {
		return "FAILED_PRECONDITION"
	}
	return "INTERNAL"
}

type googleErrorBody struct {
	Error googleErrorDetail `json:"error"`
}

type googleErrorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// writeGoogleError answers in Google's error shape,
// {"error":{"code":429,"message":…,"status":"RESOURCE_EXHAUSTED"}}, wrapped
// in a JSON array ([{…}]) on :streamRawPredict, as Google's streaming
// methods answer errors. The status is kept (a 529 stays 529, UNAVAILABLE);
// there is never a retry-after.
func writeGoogleError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h := w.Header()
	h.Del("Retry-After")
	h.Del("Retry-After-Ms")
	h.Del("Content-Length")
	body := marshal(googleErrorBody{googleErrorDetail{Code: status, Message: msg, Status: googleStatus(status)}})
	if strings.HasSuffix(upstreamOf(r).path, ":streamRawPredict") {
		body = append(append([]byte{'['}, body...), ']')
	}
	writeJSON(w, status, body)
}
