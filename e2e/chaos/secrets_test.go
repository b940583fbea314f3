package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/sim"
)

const (
	upstreamKey = "sk-ant-test-SECRET-123"
	clientKey   = "ck-test-CLIENT-456"
	// upstreamDetail is the text of every simulated upstream error: people
	// reading /v1/agent must never see it.
	upstreamDetail = "internal detail XYZ"
	// promptMarker is in every prompt: prompt text is never logged.
	promptMarker = "PROMPT-MARKER-789"
)

// secretsConfig adds a client key to the short profile; breakers are out of
// the way so that every failure reaches the upstream.
const secretsConfig = noBreakerConfig + `
clients: [{key_env: BULWARK_CHAOS_CLIENT_KEY, user: alice}]
user_breaker: {failures: 100000, window: 1s}
`

// recorder keeps the headers of every upstream call.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (r *recorder) seen() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// transcript sends requests to a gateway and keeps every answer, headers
// and body, to look for secrets in.
type transcript struct {
	url string
	c   *http.Client
	b   strings.Builder
}

func (tr *transcript) call(t *testing.T, method, path, body string, header ...string) *answer {
	t.Helper()
	req, err := http.NewRequest(method, tr.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := tr.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	fmt.Fprintf(&tr.b, "%s %s -> %d\n", method, path, resp.StatusCode)
	_ = resp.Header.Write(&tr.b)
	tr.b.Write(b)
	tr.b.WriteString("\n\n")
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, first: took, total: took}
}

// TestNoSecretEverLeaves runs traffic with failures of every kind through a
// gateway process that holds an upstream key and a client key, then looks
// for either key (or its distinctive tail) in every log line, in /metrics,
// /v1/status and the dashboard, and in every answer's headers and body. The
// upstream must have received the upstream key and never the client's.
// Upstream error text never reaches /v1/agent answers, and prompt text
// never reaches the logs.
func TestNoSecretEverLeaves(t *testing.T) {
	// The simulator runs in this process, behind a handler that keeps the
	// headers of every upstream call.
	rec := &recorder{}
	s := sim.New(sim.WithSeed(45), sim.WithTokenDelay(time.Millisecond))
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_sim/") {
			rec.mu.Lock()
			rec.headers = append(rec.headers, r.Header.Clone())
			rec.mu.Unlock()
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { s.Close(); simSrv.Close() })
	simp := &proc{Name: "sim", URL: simSrv.URL}
	gw := startGatewayProc(t, simp.URL, secretsConfig,
		"ANTHROPIC_API_KEY="+upstreamKey, "BULWARK_CHAOS_CLIENT_KEY="+clientKey)

	seen := &transcript{url: gw.URL, c: newClient(4)}
	defer seen.c.CloseIdleConnections()
	call := func(method, path, body string, header ...string) *answer {
		t.Helper()
		return seen.call(t, method, path, body, header...)
	}
	withKey := []string{"X-Api-Key", clientKey}
	bearer := []string{"Authorization", "Bearer " + clientKey}
	msg := func(model string, stream bool) string {
		return messageBody(model, "hello "+promptMarker, 16, stream)
	}

	setFaults(t, simp.URL, `[
		{"model":"claude-auth-fails","status":401,"message":"`+upstreamDetail+`"},
		{"model":"claude-bad-request","status":400,"message":"`+upstreamDetail+`"},
		{"model":"claude-stream-breaks","stream_error_after_tokens":2,"message":"`+upstreamDetail+`"},
		{"model":"claude-stream-fails","stream_error":true,"error_type":"api_error","message":"`+upstreamDetail+`"},
		{"model":"claude-overloaded","status":529,"message":"`+upstreamDetail+`"}]`)
	for _, tc := range []struct {
		model  string
		stream bool
		header []string
		status int
	}{
		{primary, false, withKey, 200},
		{primary, true, bearer, 200},
		{"claude-auth-fails", false, withKey, 401},
		{"claude-auth-fails", true, bearer, 401},
		{"claude-bad-request", false, withKey, 400},
		{"claude-bad-request", true, withKey, 400},
		{"claude-stream-breaks", true, withKey, 200},
		{"claude-stream-fails", true, bearer, 503},
		{"claude-overloaded", false, withKey, 529},
		{"claude-overloaded", true, withKey, 529},
	} {
		a := call(http.MethodPost, "/v1/messages", msg(tc.model, tc.stream), tc.header...)
		a.stream = tc.stream
		if err := check(a); err != nil || a.status != tc.status {
			t.Errorf("%s stream=%t: want %d: %v %s", tc.model, tc.stream, tc.status, err, a)
		}
	}

	// Client keys: missing, wrong, or the upstream key itself.
	for _, h := range [][]string{
		nil,
		{"X-Api-Key", "ck-test-WRONG-000"},
		{"Authorization", "Bearer ck-test-WRONG-000"},
		{"X-Api-Key", upstreamKey},
		{"Authorization", "Bearer " + upstreamKey},
		{"X-Api-Key", clientKey + "x"},
	} {
		for _, path := range []string{"/v1/messages", "/v1/agent", "/v1/messages/count_tokens"} {
			a := call(http.MethodPost, path, msg(primary, false), h...)
			if typ, err := checkError(a.body); err != nil || a.status != 401 || typ != "authentication_error" {
				t.Errorf("%s with %v: want 401 authentication_error: %v %s", path, h, err, a)
			}
		}
		for _, path := range []string{"/v1/status", "/metrics", "/"} {
			if a := call(http.MethodGet, path, "", h...); a.status != 401 {
				t.Errorf("%s with %v: %s", path, h, a)
			}
		}
	}

	// Forwarded endpoints.
	if a := call(http.MethodPost, "/v1/messages/count_tokens", `{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"`+promptMarker+`"}]}`, withKey...); a.status != 200 {
		t.Errorf("count_tokens: %s", a)
	}
	if a := call(http.MethodGet, "/v1/models", "", bearer...); a.status != 200 {
		t.Errorf("models: %s", a)
	}

	// /v1/agent while the upstream fails in every way: the answer is one
	// of the configured texts, never the upstream's.
	var agentAnswers strings.Builder
	for _, phase := range []struct {
		rules   string
		success bool
	}{
		{`[{"model":"*","status":500,"message":"` + upstreamDetail + `"}]`, false},
		{`[{"model":"*","status":400,"message":"` + upstreamDetail + `"}]`, false},
		{`[{"model":"*","status":401,"message":"` + upstreamDetail + `"}]`, false},
		{`[{"model":"*","malformed":true}]`, false},
		{`[{"model":"*","hang":true}]`, false},
		{`[{"model":"claude-sonnet-5-5","status":529,"message":"` + upstreamDetail + `"}]`, true},
		{`[]`, true},
		{`[{"model":"*","status":429,"retry_after":"2s","message":"` + upstreamDetail + `"}]`, false},
	} {
		rules := phase.rules
		setFaults(t, simp.URL, rules)
		for _, h := range [][]string{withKey, bearer} {
			a := call(http.MethodPost, "/v1/agent", `{"message":"hi `+promptMarker+`","system":"be brief","user_id":"bob"}`, h...)
			var ans struct {
				Content   *string `json:"content"`
				Success   *bool   `json:"success"`
				RequestID string  `json:"request_id"`
			}
			if err := json.Unmarshal(a.body, &ans); err != nil || a.status != 200 || ans.Content == nil || ans.Success == nil || ans.RequestID == "" {
				t.Errorf("agent under %s: %v %s", rules, err, a)
			}
			if err := inTime(t, gw, a); err != nil {
				t.Errorf("agent under %s: %v", rules, err)
			}
			if ans.Success != nil && *ans.Success != phase.success {
				t.Errorf("agent under %s: %s", rules, a)
			}
			agentAnswers.Write(a.body)
			agentAnswers.WriteString("\n")
		}
	}
	if s := agentAnswers.String(); strings.Contains(s, upstreamDetail) || strings.Contains(s, "XYZ") {
		t.Errorf("upstream error text in /v1/agent answers:\n%s", s)
	}

	// What the gateway shows about itself.
	for _, page := range []struct {
		path   string
		header []string
	}{{"/metrics", withKey}, {"/v1/status", withKey}, {"/", withKey}, {"/healthz", nil}, {"/readyz", nil}} {
		if a := call(http.MethodGet, page.path, "", page.header...); a.status != 200 {
			t.Errorf("%s: %s", page.path, a)
		}
	}

	logs := stopForLogs(t, gw)
	if !strings.Contains(logs, `"msg":"serve.stopped"`) || strings.Count(logs, `"msg":"agent.request_complete"`) < 40 {
		t.Fatalf("the logs miss lines:\n%s", logs)
	}

	for _, secret := range []string{upstreamKey, clientKey, "SECRET-123", "CLIENT-456"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%q is in the logs", secret)
		}
		if strings.Contains(seen.b.String(), secret) {
			t.Errorf("%q is in an answer", secret)
		}
	}
	if strings.Contains(logs, promptMarker) {
		t.Error("prompt text is in the logs")
	}

	// The upstream got the upstream key on every call, and never the
	// client's key in any header.
	calls := rec.seen()
	if len(calls) < 20 {
		t.Fatalf("%d upstream calls", len(calls))
	}
	for _, h := range calls {
		if h.Get("X-Api-Key") != upstreamKey || h.Get("Authorization") != "" {
			t.Fatalf("upstream call with x-api-key %q, authorization %q", h.Get("X-Api-Key"), h.Get("Authorization"))
		}
		for name, vv := range h {
			for _, v := range vv {
				if strings.Contains(v, "CLIENT-456") {
					t.Fatalf("the client key went upstream in %s", name)
				}
			}
		}
	}
}

// stopForLogs stops the gateway with SIGTERM, so that its shutdown lines are
// in the logs too, and returns its logs.
func stopForLogs(t *testing.T, gw *proc) string {
	t.Helper()
	if err := gw.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gw.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not stop on SIGTERM")
	}
	return gw.Logs()
}

// TestEchoedKeyNeverLeavesTheGatewayWhenTheUpstreamEchoesIt runs a gateway
// process in front of an upstream that echoes the key it receives (sim's
// echo_key): in a response header, in a 4xx body (passed back, also on a
// forwarded endpoint), in an SSE error event before the commit point (then
// answered as an HTTP error, or fallen back from) and after it (then
// forwarded to the client). The upstream URL carries a user and password.
// Neither the key nor the URL's userinfo may appear in any byte a client
// gets or in any log line; the marker stands where the key was.
func TestEchoedKeyNeverLeavesTheGatewayWhenTheUpstreamEchoesIt(t *testing.T) {
	const urlPassword = "url-password-SECRET-321"
	_, simURL, stop, err := sim.Start(sim.WithSeed(46), sim.WithTokenDelay(time.Millisecond), sim.WithRules([]sim.Rule{
		{Model: "claude-echo-401", Status: 401, EchoKey: true},
		{Model: "claude-echo-stream-before", StreamError: true, ErrorType: "authentication_error", EchoKey: true},
		{Model: primary, StreamError: true, EchoKey: true},
		{Model: "claude-echo-stream-after", StreamErrorAfterTokens: 2, EchoKey: true},
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	upstream := strings.Replace(simURL, "http://", "http://bob:"+urlPassword+"@", 1)
	gw := startGatewayProc(t, upstream, secretsConfig,
		"ANTHROPIC_API_KEY="+upstreamKey, "BULWARK_CHAOS_CLIENT_KEY="+clientKey)
	seen := &transcript{url: gw.URL, c: newClient(2)}
	defer seen.c.CloseIdleConnections()
	withKey := []string{"X-Api-Key", clientKey}

	for _, tc := range []struct {
		name, path, model string
		stream            bool
		status            int
		marked            bool // the marker is in the answer
	}{
		{"4xx body passed back", "/v1/messages", "claude-echo-401", false, 401, true},
		{"4xx body of a forwarded endpoint", "/v1/messages/count_tokens", "claude-echo-401", false, 401, true},
		{"stream error before commit, answered as an error", "/v1/messages", "claude-echo-stream-before", true, 401, true},
		{"stream error before commit, fallen back from", "/v1/messages", primary, true, 200, false},
		{"stream error after commit", "/v1/messages", "claude-echo-stream-after", true, 200, true},
	} {
		a := seen.call(t, http.MethodPost, tc.path, messageBody(tc.model, "hi", 16, tc.stream), withKey...)
		a.stream = tc.stream
		if a.status != tc.status || strings.Contains(string(a.body), redact.Marker) != tc.marked {
			t.Errorf("%s: want %d, marker %t: %s", tc.name, tc.status, tc.marked, a)
		}
		if h := a.header.Get("X-Echo-Key"); h != "" && h != redact.Marker {
			t.Errorf("%s: x-echo-key %q", tc.name, h)
		}
		if err := check(a); err != nil {
			t.Errorf("%s: %v: %s", tc.name, err, a)
		}
		if tc.name == "stream error after commit" && a.kind != "stream_error" {
			t.Errorf("%s: a %s, not a stream that ends with an error event: %s", tc.name, a.kind, a)
		}
	}
	for _, path := range []string{"/readyz", "/v1/status"} {
		if a := seen.call(t, http.MethodGet, path, "", withKey...); a.status != 200 || !strings.Contains(string(a.body), strings.TrimPrefix(simURL, "http://")) {
			t.Errorf("%s: %s", path, a)
		}
	}

	logs := stopForLogs(t, gw)
	start := logLines(gw, "serve.start")
	if len(start) != 1 || start[0]["upstream"] != simURL {
		t.Errorf("serve.start: %v", start)
	}
	if !strings.Contains(logs, `"upstream_message":"invalid x-api-key (x-api-key: `+redact.Marker+`)"`) {
		t.Errorf("no agent.misconfig line with the upstream message redacted in place:\n%s", logs)
	}
	for _, secret := range []string{upstreamKey, "SECRET-123", urlPassword, "SECRET-321", "bob:"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%q is in the logs:\n%s", secret, logs)
		}
		if strings.Contains(seen.b.String(), secret) {
			t.Errorf("%q is in an answer:\n%s", secret, seen.b.String())
		}
	}
}
