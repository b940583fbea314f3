package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
)

// rawExchange writes req on a new connection and reads one answer.
func rawExchange(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { _, _ = io.WriteString(conn, req) }() // may block past the answer (431)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, b
}

func TestHTTPLayerRejectionsAreAnthropicShaped(t *testing.T) {
	s, up := startSim(t)
	base, _, _ := serveGateway(t, gateway.WithUpstream(up), gateway.WithAPIKey("k"),
		gateway.WithProfiles(map[string]engine.Profile{"interactive": fastProfile()}))
	addr := strings.TrimPrefix(base, "http://")
	const body = `{"model":"claude-sonnet-5-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`
	for _, tt := range []struct {
		name, req string
		status    int
		errType   string
		msgPart   string
	}{
		{"headers over the limit", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+8<<10) + "\r\n\r\n",
			431, "request_too_large", "limit of 1048576 bytes"},
		{"invalid chunked framing", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"zz\r\n" + body + "\r\n0\r\n\r\n", 400, "invalid_request_error", "could not read the request body"},
		{"a chunk longer than announced", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\n" + body + "\r\n0\r\n\r\n", 400, "invalid_request_error", "could not read the request body"},
		{"an unknown transfer coding", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "invalid_request_error", "Transfer-Encoding"},
		{"two Content-Lengths", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "invalid_request_error", "could not be read"},
		{"no Host", "POST /v1/messages HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400, "invalid_request_error", "missing required Host header"},
		{"not HTTP", "HELLO THERE\r\n\r\n", 400, "invalid_request_error", "could not be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := totalRequests(s)
			resp, b := rawExchange(t, addr, tt.req)
			typ, msg, rid := anthropicError(t, b)
			if resp.StatusCode != tt.status || typ != tt.errType || !strings.Contains(msg, tt.msgPart) {
				t.Fatalf("%d %s, want %d %s with %q", resp.StatusCode, b, tt.status, tt.errType, tt.msgPart)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || resp.Header.Get("Request-Id") != rid ||
				resp.Header.Get("X-Should-Retry") != "false" {
				t.Fatalf("headers %v", resp.Header)
			}
			if n := totalRequests(s) - before; n != 0 {
				t.Fatalf("%d upstream calls", n)
			}
		})
	}
	// The same listener still answers good requests, whole and streamed.
	for _, stream := range []bool{false, true} {
		resp, b := call(t, "POST", "http://"+addr+"/v1/messages", messagesBody(sonnet, "hi", stream))
		if resp.StatusCode != 200 || !strings.Contains(string(b), "Simulated answer") {
			t.Fatalf("stream=%v: %d %s", stream, resp.StatusCode, b)
		}
	}
}
