package gateway_test

import (
	"bytes"
	"mime/multipart"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

const batchBody = `{"requests":[{"custom_id":"a","params":{"model":"claude-sonnet-5-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}}]}`

// shortAttempts is fastProfile with 300 ms attempts, so that a hang times out
// quickly.
func shortAttempts() gateway.Option {
	p := fastProfile()
	p.AttemptTimeout = 300 * time.Millisecond
	return gateway.WithProfiles(map[string]engine.Profile{"interactive": p})
}

func fileUpload(t *testing.T) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("a file that costs money to store twice"))
	_ = mw.Close()
	return b.String(), mw.FormDataContentType()
}

func TestSideEffectIsNeverSentAgainOnceItMayHaveReachedTheUpstream(t *testing.T) {
	upload, uploadType := fileUpload(t)
	for _, tt := range []struct {
		name, path, body, contentType string
		rule                          sim.Rule
		status                        int
		errType, msgPart              string
	}{
		{"batch reset", "/v1/messages/batches", batchBody, "application/json", sim.Rule{Model: "*", Reset: true}, 502, "api_error", "not sent again"},
		{"file reset", "/v1/files", upload, uploadType, sim.Rule{Model: "*", Reset: true}, 502, "api_error", "not sent again"},
		{"batch timeout", "/v1/messages/batches", batchBody, "application/json", sim.Rule{Model: "*", Hang: true}, 504, "timeout_error", "not sent again"},
		{"file timeout", "/v1/files", upload, uploadType, sim.Rule{Model: "*", Hang: true}, 504, "timeout_error", "not sent again"},
		// The upstream answered, so it may have acted: its answer comes back.
		{"batch 500", "/v1/messages/batches", batchBody, "application/json", sim.Rule{Model: "*", Status: 500}, 500, "api_error", ""},
		{"file 503", "/v1/files", upload, uploadType, sim.Rule{Model: "*", Status: 503}, 503, "api_error", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, up := startSim(t, tt.rule)
			g := startGateway(t, up, shortAttempts())
			resp, b := call(t, "POST", g.url+tt.path, tt.body, "Content-Type", tt.contentType)
			typ, msg, _ := anthropicError(t, b)
			if resp.StatusCode != tt.status || typ != tt.errType || !strings.Contains(msg, tt.msgPart) {
				t.Fatalf("%d %s, want %d %s with %q", resp.StatusCode, b, tt.status, tt.errType, tt.msgPart)
			}
			if n := totalRequests(s); n != 1 {
				t.Fatalf("%d upstream calls, want exactly 1", n)
			}
			if resp.Header.Get("bulwark-attempts") != "1" || resp.Header.Get("x-should-retry") != "false" {
				t.Fatalf("headers %v: the client must not resend it either", resp.Header)
			}
		})
	}
}

func TestSideEffectIsRetriedWhenTheUpstreamCertainlyDidNothing(t *testing.T) {
	// 429 and 529 come before any work: sent again, up to the profile's
	// two attempts; the last answer comes back, with no retry left to the SDK.
	for _, status := range []int{429, 529} {
		s, up := startSim(t, sim.Rule{Model: "*", Status: status})
		g := startGateway(t, up)
		resp, b := call(t, "POST", g.url+"/v1/messages/batches", batchBody)
		if resp.StatusCode != status || totalRequests(s) != 2 || resp.Header.Get("x-should-retry") != "false" {
			t.Fatalf("%d: %d %s %v after %d upstream calls, want 2", status, resp.StatusCode, b, resp.Header, totalRequests(s))
		}
	}
	// x-should-retry: true says the upstream did nothing either.
	s, up := startSim(t, sim.Rule{Model: "*", Status: 500, ShouldRetry: ptr(true)})
	g := startGateway(t, up)
	upload, uploadType := fileUpload(t)
	if resp, b := call(t, "POST", g.url+"/v1/files", upload, "Content-Type", uploadType); resp.StatusCode != 500 || totalRequests(s) != 2 {
		t.Fatalf("500 with x-should-retry: true: %d %s after %d upstream calls, want 2", resp.StatusCode, b, totalRequests(s))
	}

	// No connection could be made: nothing was sent, so it is sent again.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	g = startGateway(t, closed)
	resp, b := call(t, "POST", g.url+"/v1/messages/batches", batchBody)
	if resp.StatusCode != 503 || resp.Header.Get("bulwark-attempts") != "2" || resp.Header.Get("x-should-retry") != "false" {
		t.Fatalf("connection refused: %d %s %v", resp.StatusCode, b, resp.Header)
	}
}

func TestCallsWithoutSideEffectsAreStillRetriedAfterAReset(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: "*", Reset: true})
	g := startGateway(t, up)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/messages/count_tokens", messagesBody(sonnet, "hi", false)},
		{"GET", "/v1/models", ""},
	} {
		before := totalRequests(s)
		resp, b := call(t, c.method, g.url+c.path, c.body)
		if resp.StatusCode != 503 || totalRequests(s)-before != 2 {
			t.Fatalf("%s %s: %d %s after %d upstream calls, want 2", c.method, c.path, resp.StatusCode, b, totalRequests(s)-before)
		}
	}
}

func ptr[T any](v T) *T { return &v }
