package gateway_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func gzipBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gzipUpstream answers every request with status and body, gzip-encoded
// whether asked or not, and counts the calls and those that asked for gzip.
type gzipUpstream struct {
	calls, asked atomic.Int64
	url          string
}

func newGzipUpstream(t *testing.T, status int, contentType, body string) *gzipUpstream {
	t.Helper()
	u := &gzipUpstream{}
	z := gzipBytes(t, body)
	u.url = fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			u.asked.Add(1)
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		w.Write(z)
	})
	return u
}

// rawCall sends a request that asks for no encoding (so the client decodes
// nothing), and the test sees the bytes the gateway sends.
func rawCall(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	return call(t, method, url, body, "Accept-Encoding", "identity")
}

// wantPlainJSON checks that the gateway answered unencoded JSON.
func wantPlainJSON(t *testing.T, resp *http.Response, b []byte) {
	t.Helper()
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Fatalf("Content-Encoding %q sent to a client that did not ask for it", ce)
	}
	if !json.Valid(b) {
		t.Fatalf("answer is not JSON: %q", b)
	}
}

const gzMessage = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5",` +
	`"content":[{"type":"text","text":"Hello from gzip"}],"stop_reason":"end_turn","stop_sequence":null,` +
	`"usage":{"input_tokens":3,"output_tokens":4}}`

func TestGzipAnswerToANonStreamedMessageIsAskedForAndDecoded(t *testing.T) {
	up := newGzipUpstream(t, 200, "application/json", gzMessage)
	g := startGateway(t, up.url)
	resp, b := rawCall(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	wantPlainJSON(t, resp, b)
	if got := messageText(t, b); got != "Hello from gzip" {
		t.Fatalf("text %q", got)
	}
	if n, asked := up.calls.Load(), up.asked.Load(); n != 1 || asked != 1 {
		t.Fatalf("%d upstream calls, %d asking for gzip; want 1 and 1 (no retry as malformed)", n, asked)
	}
	if m := resp.Header.Get("bulwark-model-used"); m != sonnet {
		t.Fatalf("answered by %q", m)
	}
}

func TestGzipErrorBodyIsDecodedForClassificationAndPassedBackReadable(t *testing.T) {
	const body = `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 99999999 is too large"}}`
	up := newGzipUpstream(t, 400, "application/json", body)
	g := startGateway(t, up.url)
	for _, path := range []string{"/v1/messages", "/v1/messages/count_tokens"} {
		t.Run(path, func(t *testing.T) {
			resp, b := rawCall(t, "POST", g.url+path, messagesBody(sonnet, "hi", false))
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			wantPlainJSON(t, resp, b)
			if !strings.Contains(string(b), "max_tokens: 99999999 is too large") {
				t.Fatalf("the upstream's error was not passed back: %s", b)
			}
		})
	}
	if n := up.calls.Load(); n != 2 {
		t.Fatalf("%d upstream calls for two 400s, want 2", n)
	}

	// A 400 is told apart by its message: a too-low credit balance pages.
	credit := newGzipUpstream(t, 400, "application/json",
		`{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}`)
	g = startGateway(t, credit.url)
	rawCall(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if lines := g.logs.lines("agent.model_failed"); len(lines) == 0 || lines[0]["class"] != "credit" || lines[0]["page"] != true {
		t.Fatalf("the 400 was not classified from its decoded body: %v", lines)
	}
}

func TestGzipPassthroughAnswerArrivesDecoded(t *testing.T) {
	const models = `{"data":[{"type":"model","id":"claude-sonnet-5-5"}],"has_more":false}`
	up := newGzipUpstream(t, 200, "application/json", models)
	g := startGateway(t, up.url)
	resp, b := rawCall(t, "GET", g.url+"/v1/models", "")
	if resp.StatusCode != 200 || string(b) != models {
		t.Fatalf("status %d, body %q", resp.StatusCode, b)
	}
	wantPlainJSON(t, resp, b)
}

func TestGzipStreamNobodyAskedForIsDecoded(t *testing.T) {
	up := newGzipUpstream(t, 200, "text/event-stream", evStart+evBlock+evDelta+
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	g := startGateway(t, up.url)
	resp, b := rawCall(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", true))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	evs := parseEvents(t, b)
	if streamText(t, evs) != "Hi" || evs[len(evs)-1].name != "message_stop" {
		t.Fatalf("events %v", evs)
	}
	if asked := up.asked.Load(); asked != 0 {
		t.Fatalf("a stream asked for gzip")
	}
}

// gzipRoundTripper answers every request with benchAnswer, gzip-encoded, in
// memory.
type gzipRoundTripper struct{ z []byte }

func (g gzipRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}},
		Body:          io.NopCloser(bytes.NewReader(g.z)),
		ContentLength: int64(len(g.z)),
		Request:       r,
	}, nil
}

// BenchmarkHandlerGzipAnswer is BenchmarkHandlerNoNetwork with the answer
// gzip-encoded: the cost of decoding it (decoders are pooled).
func BenchmarkHandlerGzipAnswer(b *testing.B) {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	io.WriteString(zw, benchAnswer)
	zw.Close()
	benchHandler(b, gzipRoundTripper{zb.Bytes()})
}
