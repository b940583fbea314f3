package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestFallsBackWhileThePrimaryIsOverloaded(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Status: 529})
	g := startGateway(t, up)
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hello", false))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("bulwark-model-used"); got != haiku {
		t.Errorf("bulwark-model-used = %q, want %s", got, haiku)
	}
	if got := resp.Header.Get("bulwark-fallback"); got != "true" {
		t.Errorf("bulwark-fallback = %q", got)
	}
	if got := resp.Header.Get("bulwark-attempts"); got != "3" {
		t.Errorf("bulwark-attempts = %q, want 3 (2 on the primary, 1 on the fallback)", got)
	}
	if !strings.HasPrefix(resp.Header.Get("bulwark-request-id"), "req_bw_") {
		t.Errorf("bulwark-request-id = %q", resp.Header.Get("bulwark-request-id"))
	}
	if id := resp.Header.Get("request-id"); id == "" || strings.HasPrefix(id, "req_bw_") {
		t.Errorf("request-id = %q, want the upstream's", id)
	}
	if resp.Header.Get("anthropic-ratelimit-requests-limit") == "" {
		t.Error("anthropic-ratelimit-* headers were not passed through")
	}
	var m struct{ Model string }
	_ = json.Unmarshal(body, &m)
	if m.Model != haiku {
		t.Errorf("answer's model = %q", m.Model)
	}
	st := s.Stats()
	if st.Models[sonnet].Requests != 2 || st.Models[sonnet].Outcomes["status_529"] != 2 || st.Models[haiku].Requests != 1 {
		t.Errorf("simulator saw %+v", st.Models)
	}
	waitFor(t, "agent.request_complete", func() bool { return len(g.logs.lines("agent.request_complete")) == 1 })
	done := g.logs.lines("agent.request_complete")
	if len(done) != 1 || done[0]["fallback"] != true || done[0]["model_used"] != haiku || done[0]["status"] != 200.0 ||
		done[0]["request_id"] != resp.Header.Get("bulwark-request-id") {
		t.Errorf("agent.request_complete = %v", done)
	}
	if strings.Contains(g.logs.String(), "hello") || strings.Contains(g.logs.String(), "sk-upstream-test") {
		t.Error("the logs hold prompt text or the key")
	}
}

func TestStreamedAnswerArrivesIntact(t *testing.T) {
	_, up := startSim(t)
	g := startGateway(t, up)
	_, whole := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "tell me about breakers", false))
	resp, streamed := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "tell me about breakers", true))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("content-type"), "text/event-stream") {
		t.Fatalf("status %d, content-type %q", resp.StatusCode, resp.Header.Get("content-type"))
	}
	evs := parseEvents(t, streamed)
	want := []string{"message_start", "content_block_start", "ping"}
	for i, name := range want {
		if evs[i].name != name {
			t.Fatalf("event %d = %s, want %s", i, evs[i].name, name)
		}
	}
	if last := evs[len(evs)-1].name; last != "message_stop" {
		t.Fatalf("last event %s", last)
	}
	if got, wantText := streamText(t, evs), messageText(t, whole); got != wantText || got == "" {
		t.Fatalf("streamed text %q, non-streamed %q", got, wantText)
	}
	if resp.Header.Get("bulwark-fallback") != "false" || resp.Header.Get("bulwark-model-used") != sonnet {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestStreamErrorBeforeTheFirstTokenFallsBackInvisibly(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, StreamError: true, ErrorType: "overloaded_error"})
	g := startGateway(t, up)
	resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", true))
	evs := parseEvents(t, b)
	for _, ev := range evs {
		if ev.name == "error" {
			t.Fatalf("the client saw the error event: %s", ev.data)
		}
	}
	if evs[0].name != "message_start" || !strings.Contains(evs[0].data, haiku) || evs[len(evs)-1].name != "message_stop" {
		t.Fatalf("stream %v", evs)
	}
	if resp.Header.Get("bulwark-model-used") != haiku || resp.Header.Get("bulwark-fallback") != "true" {
		t.Errorf("headers %v", resp.Header)
	}
	if n := s.Stats().Models[sonnet].Outcomes["stream_error"]; n != 2 {
		t.Errorf("primary stream errors = %d, want 2", n)
	}
}

func TestFirstTokenTimeoutFallsBack(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: sonnet, StreamStall: true}) // silent until the client leaves
	p := fastProfile()
	p.Attempts, p.FirstTokenTimeout = 1, 50*time.Millisecond
	fc := newFakeClock()
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}),
		gateway.WithEngine(fakeEngine(fc, breaker.Settings{Failures: 50})))
	ctx := deadlineCtx(t)
	answers := send(ctx, g.url+"/v1/messages", messagesBody(sonnet, "hi", true))
	waitForTimers(ctx, t, fc, 1, "the primary's first token")
	fc.Advance(p.FirstTokenTimeout - time.Millisecond)
	if n := fc.Pending(); n != 1 {
		t.Fatalf("%d timers pending 1 ms before the first-token timeout, want its 1", n)
	}
	fc.Advance(time.Millisecond) // the first-token timeout passes
	resp, b := await(ctx, t, answers)
	evs := parseEvents(t, b)
	if resp.Header.Get("bulwark-model-used") != haiku || evs[len(evs)-1].name != "message_stop" {
		t.Fatalf("model %q, events %v", resp.Header.Get("bulwark-model-used"), evs)
	}
}

func TestStallAfterTheFirstTokenEndsWithAnErrorEvent(t *testing.T) {
	// One token, then silence until the client leaves: that token is the
	// commit point, so the first wait after the commit is the stall.
	_, up := startSim(t, sim.Rule{Model: "*", StallAfterTokens: 1})
	p := fastProfile()
	p.IdleTimeout = 60 * time.Millisecond
	fc := newFakeClock()
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}),
		gateway.WithEngine(fakeEngine(fc, breaker.Settings{Failures: 50})))
	ctx := deadlineCtx(t)
	resp := openStream(ctx, t, g.url, messagesBody(sonnet, "hi", true)) // committed
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitForTimers(ctx, t, fc, 1, "the idle timeout of the wait after the first token")
	fc.Advance(p.IdleTimeout)
	evs := readEvents(t, resp)
	last := evs[len(evs)-1]
	if last.name != "error" {
		t.Fatalf("stream ended with %s, want an error event: %v", last.name, evs)
	}
	var e struct {
		Type  string
		Error struct{ Type, Message string }
	}
	if err := json.Unmarshal([]byte(last.data), &e); err != nil || e.Type != "error" || e.Error.Type != "timeout_error" {
		t.Fatalf("error event %s", last.data)
	}
	if streamText(t, evs) == "" {
		t.Fatal("the token before the stall was not delivered")
	}
	stalls := g.logs.lines("stream.stalled")
	if len(stalls) != 1 || stalls[0]["why"] != "stalled" || stalls[0]["events"].(float64) != 4 || stalls[0]["request_id"] == "" {
		t.Fatalf("stream.stalled lines %v, want one after 4 events", stalls)
	}
}

// fakeUpstream serves handler as the upstream API on loopback.
func fakeUpstream(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

const (
	evStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
	evBlock = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	evDelta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
)

func TestCutAfterTheFirstTokenEndsWithAnErrorEvent(t *testing.T) {
	up := fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, evStart+evBlock+evDelta+evDelta)
		// ...and the connection ends with no message_stop.
	})
	g := startGateway(t, up)
	_, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", true))
	evs := parseEvents(t, b)
	if len(evs) != 5 || evs[4].name != "error" || !strings.Contains(evs[4].data, "overloaded_error") {
		t.Fatalf("events %v", evs)
	}
	if !bytes.HasPrefix(b, []byte(evStart+evBlock+evDelta+evDelta)) {
		t.Fatal("the upstream's bytes were not forwarded verbatim")
	}
}

func TestBadRequestPassesBackAsIsWithOneUpstreamCall(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: "*", Status: 400, Message: "max_tokens: must be positive"})
	g := startGateway(t, up)
	resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	typ, msg, rid := anthropicError(t, b)
	if typ != "invalid_request_error" || msg != "max_tokens: must be positive" || strings.HasPrefix(rid, "req_bw_") {
		t.Fatalf("error %s", b)
	}
	if resp.Header.Get("request-id") != rid {
		t.Errorf("request-id header %q, body %q", resp.Header.Get("request-id"), rid)
	}
	if n := totalRequests(s); n != 1 {
		t.Fatalf("%d upstream calls, want 1", n)
	}
}

func TestGatewayRejectsBadBodiesWithoutAnUpstreamCall(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	for _, tt := range []struct{ name, body, want string }{
		{"malformed JSON", `{"model":"claude-sonnet-5-5","messages":[`, "not valid JSON"},
		{"not an object", `["model"]`, "JSON object"},
		{"no model", `{"messages":[]}`, "model"},
		{"model not a string", `{"model":5,"messages":[]}`, "model"},
		{"no messages", `{"model":"claude-sonnet-5-5"}`, "messages"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := call(t, "POST", g.url+"/v1/messages", tt.body)
			typ, msg, rid := anthropicError(t, b)
			if resp.StatusCode != 400 || typ != "invalid_request_error" || !strings.Contains(msg, tt.want) {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if rid != resp.Header.Get("bulwark-request-id") || resp.Header.Get("request-id") != rid {
				t.Fatalf("request ids: body %q, headers %v", rid, resp.Header)
			}
		})
	}
	if n := totalRequests(s); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
}

func TestBodyOver32MiBGets413(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	big := `{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"` + strings.Repeat("a", 33<<20) + `"}]}`
	resp, b := call(t, "POST", g.url+"/v1/messages", big)
	if resp.StatusCode != 413 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if typ, _, _ := anthropicError(t, b); typ != "request_too_large" {
		t.Fatalf("type %s", typ)
	}
	if n := totalRequests(s); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
}

func TestEveryTierDownAnswersInAnthropicsShape(t *testing.T) {
	for _, tt := range []struct {
		name    string
		rule    sim.Rule
		status  int
		errType string
	}{
		{"overloaded", sim.Rule{Model: "*", Status: 529}, 529, "overloaded_error"},
		{"server errors", sim.Rule{Model: "*", Status: 500}, 503, "api_error"},
		{"connection resets", sim.Rule{Model: "*", Reset: true}, 503, "api_error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, up := startSim(t, tt.rule)
			g := startGateway(t, up)
			for _, stream := range []bool{false, true} {
				resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", stream))
				typ, _, rid := anthropicError(t, b)
				if resp.StatusCode != tt.status || typ != tt.errType {
					t.Fatalf("stream=%v: %d %s", stream, resp.StatusCode, b)
				}
				if rid != resp.Header.Get("bulwark-request-id") || resp.Header.Get("request-id") != rid {
					t.Fatalf("request-id must be the gateway's: %v %s", resp.Header, b)
				}
				if resp.Header.Get("bulwark-fallback") != "false" || resp.Header.Get("bulwark-attempts") != "4" {
					t.Fatalf("headers %v", resp.Header)
				}
			}
			if n := totalRequests(s); n != 8 {
				t.Fatalf("%d upstream calls, want 8", n)
			}
		})
	}
}

func TestRateLimitStormAnswers429WithRetryAfter(t *testing.T) {
	// The retry-after outlasts the 5 s deadline, so no request may wait for
	// the cooldown to end and try again (DESIGN §4): each answers at once.
	s, up := startSim(t, sim.Rule{Model: "*", Status: 429, RetryAfter: sim.Duration(8 * time.Second)})
	p := fastProfile()
	p.Attempts = 1 // no waiting out the retry-after in a test
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}))
	resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if typ, _, _ := anthropicError(t, b); resp.StatusCode != 429 || typ != "rate_limit_error" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if ra, _ := strconv.Atoi(resp.Header.Get("retry-after")); ra < 7 || ra > 8 {
		t.Fatalf("retry-after %q", resp.Header.Get("retry-after"))
	}
	// Both models now cool down: the next request makes no upstream call.
	before := totalRequests(s)
	resp, _ = call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if resp.StatusCode != 429 || resp.Header.Get("retry-after") == "" || totalRequests(s) != before {
		t.Fatalf("second request: %d, %d upstream calls", resp.StatusCode, totalRequests(s)-before)
	}
}

func TestModelRewriteLeavesEveryOtherByteIntact(t *testing.T) {
	var bodies [][]byte
	var calls atomic.Int32
	up := fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			bodies = append(bodies, b)
			w.WriteHeader(529)
			io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
			return
		}
		bodies = append(bodies, b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"type":"message","content":[]}`)
	})
	p := fastProfile()
	p.Attempts = 1
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}))
	body := "{\n  \"system\" : [{\"type\":\"text\",\"text\":\"be \\\"brief\\\"\",\"cache_control\":{\"type\":\"ephemeral\"}}],\n" +
		"  \"model\":\t\"claude-sonnet-5-5\" ,\"max_tokens\":1024,\n" +
		"  \"tools\":[{\"name\":\"get\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"model\":{\"type\":\"string\"}}}}],\n" +
		"  \"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"future_field\":[1.5e-3,null,true],\n" +
		"  \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},{\"type\":\"text\",\"text\":\"caf\\u00e9 \\ud83d\\ude00\"}]}]\n}"
	resp, _ := call(t, "POST", g.url+"/v1/messages", body)
	if resp.StatusCode != 200 || len(bodies) != 2 {
		t.Fatalf("status %d, %d upstream calls", resp.StatusCode, len(bodies))
	}
	if string(bodies[0]) != body {
		t.Fatalf("the primary got a changed body:\n%s", bodies[0])
	}
	want := strings.Replace(body, `"claude-sonnet-5-5"`, `"claude-haiku-5-5"`, 1)
	if string(bodies[1]) != want {
		t.Fatalf("the fallback's body:\n%s\nwant\n%s", bodies[1], want)
	}
}

func TestHeadersAndKeys(t *testing.T) {
	var got http.Header
	up := fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_upstream_1")
		w.Header().Set("Anthropic-Ratelimit-Requests-Remaining", "41")
		io.WriteString(w, `{"type":"message","content":[]}`)
	})
	t.Run("upstream key configured", func(t *testing.T) {
		g := startGateway(t, up)
		resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false),
			"x-api-key", "sk-client", "anthropic-beta", "tools-2024,files-2025", "cookie", "c=1")
		if got.Get("X-Api-Key") != "sk-upstream-test" || got.Get("Authorization") != "" {
			t.Fatalf("upstream credentials %v", got)
		}
		if got.Get("Anthropic-Version") != "2023-06-01" || got.Get("Anthropic-Beta") != "tools-2024,files-2025" || got.Get("Cookie") != "" {
			t.Fatalf("upstream headers %v", got)
		}
		if resp.Header.Get("request-id") != "req_upstream_1" || resp.Header.Get("anthropic-ratelimit-requests-remaining") != "41" {
			t.Fatalf("response headers %v", resp.Header)
		}
	})
	t.Run("no upstream key passes the client's through", func(t *testing.T) {
		g := startGateway(t, up, gateway.WithAPIKey(""))
		call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false), "x-api-key", "sk-client")
		if got.Get("X-Api-Key") != "sk-client" {
			t.Fatalf("upstream x-api-key %q", got.Get("X-Api-Key"))
		}
	})
	t.Run("client keys", func(t *testing.T) {
		g := startGateway(t, up, gateway.WithAPIKey(""), gateway.WithClientKeys(gateway.ClientKey{Key: "bw-key-1", User: "team-a"}))
		for _, h := range [][]string{nil, {"x-api-key", "wrong"}, {"authorization", "Bearer wrong"}} {
			got = nil
			resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false), h...)
			if typ, _, _ := anthropicError(t, b); resp.StatusCode != 401 || typ != "authentication_error" || got != nil {
				t.Fatalf("%v: %d %s, upstream called: %v", h, resp.StatusCode, b, got != nil)
			}
			if strings.Contains(string(b), "wrong") {
				t.Fatal("the key was echoed")
			}
		}
		for _, h := range [][]string{{"x-api-key", "bw-key-1"}, {"authorization", "Bearer bw-key-1"}} {
			resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false), h...)
			if resp.StatusCode != 200 {
				t.Fatalf("%v: %d", h, resp.StatusCode)
			}
			if got.Get("X-Api-Key") != "" || got.Get("Authorization") != "" {
				t.Fatalf("a gateway key went upstream: %v", got)
			}
		}
		if resp, _ := call(t, "GET", g.url+"/healthz", ""); resp.StatusCode != 200 {
			t.Fatalf("healthz needs no key: %d", resp.StatusCode)
		}
		if strings.Contains(g.logs.String(), "bw-key-1") {
			t.Fatal("a client key was logged")
		}
	})
}

func TestClientHangUpCancelsTheUpstreamAtOnce(t *testing.T) {
	upstreamDone := make(chan time.Time, 1)
	up := fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, evStart+evBlock+evDelta)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		upstreamDone <- time.Now()
	})
	g := startGateway(t, up)
	req, _ := http.NewRequest("POST", g.url+"/v1/messages", strings.NewReader(messagesBody(sonnet, "hi", true)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(evStart))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	hungUp := time.Now()
	resp.Body.Close()
	select {
	case at := <-upstreamDone:
		if d := at.Sub(hungUp); d > 500*time.Millisecond {
			t.Fatalf("the upstream was cancelled after %v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the upstream call was never cancelled")
	}
}

func TestStreamsThatDieAfterTheFirstTokenCountAgainstTheModelsBreaker(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: sonnet, StallAfterTokens: 1}) // silent after its first token
	p := fastProfile()
	p.IdleTimeout = 40 * time.Millisecond
	fc := newFakeClock()
	eng := fakeEngine(fc, breaker.Settings{Failures: 3, Window: time.Minute, OpenFor: time.Minute})
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}), gateway.WithEngine(eng))
	ctx := deadlineCtx(t)
	for i := range 3 {
		resp := openStream(ctx, t, g.url, messagesBody(sonnet, "hi", true)) // committed
		waitForTimers(ctx, t, fc, 1, "the idle timeout after the first token")
		fc.Advance(p.IdleTimeout)
		if evs := readEvents(t, resp); evs[len(evs)-1].name != "error" {
			t.Fatalf("stream %d ended with %s, want a stall's error event", i+1, evs[len(evs)-1].name)
		}
	}
	if st := eng.Breakers().State(sonnet); st != breaker.Open {
		t.Fatalf("breaker %v after 3 stalled streams, want open", st)
	}
	resp, _ := await(ctx, t, send(ctx, g.url+"/v1/messages", messagesBody(sonnet, "hi", true)))
	if resp.Header.Get("bulwark-model-used") != haiku {
		t.Fatalf("with the primary's breaker open, answered by %q", resp.Header.Get("bulwark-model-used"))
	}
}
