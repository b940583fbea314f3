package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestParsePlainErrorSpotsOnlyNetHTTPsOwnAnswers(t *testing.T) {
	// The first four are net/http's answers byte for byte (server.go, Go 1.26).
	tests := []struct {
		name   string
		p      string
		status int
		reason string
	}{
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + plainErrorHeaders + "431 Request Header Fields Too Large", 431, "431 Request Header Fields Too Large"},
		{"400 with a reason", "HTTP/1.1 400 Bad Request: missing required Host header" + plainErrorHeaders + "400 Bad Request: missing required Host header", 400, "400 Bad Request: missing required Host header"},
		{"400", "HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request", 400, "400 Bad Request"},
		{"501", "HTTP/1.1 501 Not Implemented" + plainErrorHeaders + "Unsupported transfer encoding", 501, "Unsupported transfer encoding"},
		{"a handler's text answer", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Mon, 01 Jan 2026 00:00:00 GMT\r\n\r\nno", 0, ""},
		{"a handler's 200", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 0, ""},
		{"a body that quotes an error", "HTTP/1.1 400 Bad Request but" + " in a body\n" + plainErrorHeaders, 0, ""},
		{"a 2xx in that shape", "HTTP/1.1 200 OK" + plainErrorHeaders + "ok", 0, ""},
		{"a chunk of a body", "data: {}\n\n", 0, ""},
		{"HTTP/1.0", "HTTP/1.0 400 Bad Request" + plainErrorHeaders + "400 Bad Request", 0, ""},
		{"short", "HTTP/1.1 4", 0, ""},
		{"empty", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reason, ok := parsePlainError([]byte(tt.p))
			if ok != (tt.status != 0) || status != tt.status || reason != tt.reason {
				t.Fatalf("parsePlainError = %d %q %v, want %d %q", status, reason, ok, tt.status, tt.reason)
			}
		})
	}
}

func TestHTTPLayerErrorIsAnAnthropicErrorThatClosesTheConnection(t *testing.T) {
	tests := []struct {
		status  int
		reason  string
		errType string
		msgPart string
	}{
		{431, "431 Request Header Fields Too Large", "request_too_large", "limit of 1048576 bytes"},
		{400, "400 Bad Request: missing required Host header", "invalid_request_error", "(400 Bad Request: missing required Host header)"},
		{501, "Unsupported transfer encoding", "invalid_request_error", "Transfer-Encoding"},
		{505, "505 HTTP Version Not Supported: unsupported protocol version", "invalid_request_error", "unsupported protocol version"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			raw := httpLayerError(tt.status, tt.reason, "req_bw_1", 1<<20)
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			var e struct {
				Type      string `json:"type"`
				Error     struct{ Type, Message string }
				RequestID string `json:"request_id"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Type != "error" || e.Error.Type != tt.errType ||
				!strings.Contains(e.Error.Message, tt.msgPart) || e.RequestID != "req_bw_1" {
				t.Fatalf("body %+v (%v)", e, err)
			}
			if resp.StatusCode != tt.status || !resp.Close || resp.Header.Get("Content-Type") != "application/json" ||
				resp.Header.Get("X-Should-Retry") != "false" || resp.Header.Get("Request-Id") != "req_bw_1" {
				t.Fatalf("%d %v", resp.StatusCode, resp.Header)
			}
		})
	}
}
