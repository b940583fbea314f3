package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

type agentAnswer struct {
	Content   string  `json:"content"`
	Success   bool    `json:"success"`
	Notice    *string `json:"notice"`
	RequestID string  `json:"request_id"`
}

func TestAgentNeverShowsUpstreamText(t *testing.T) {
	const secret = "INTERNAL upstream detail 7f3a"
	s, up := startSim(t, sim.Rule{Model: "*", Status: 500, Message: secret})
	msgs := gateway.Messages{Unavailable: "Sorry, try again soon.", Timeout: "Too slow, sorry.", Notice: "A backup answered."}
	g := startGateway(t, up, gateway.WithMessages(msgs))

	resp, b := call(t, "POST", g.url+"/v1/agent", `{"message":"hi","system":"be kind","user_id":"u1"}`)
	var a agentAnswer
	if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if a.Success || a.Content != msgs.Unavailable || a.Notice != nil || a.RequestID != resp.Header.Get("bulwark-request-id") {
		t.Fatalf("answer %+v", a)
	}
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "api_error") {
		t.Fatalf("upstream text leaked: %s", b)
	}

	// A 400 from the upstream is not shown either.
	s.SetRules([]sim.Rule{{Model: "*", Status: 400, Message: secret}})
	_, b = call(t, "POST", g.url+"/v1/agent", `{"message":"hi"}`)
	if strings.Contains(string(b), secret) || !strings.Contains(string(b), msgs.Unavailable) {
		t.Fatalf("answer %s", b)
	}

	// The primary down: the fallback answers, with the notice.
	s.SetRules([]sim.Rule{{Model: sonnet, Status: 529, Message: secret}})
	_, b = call(t, "POST", g.url+"/v1/agent", `{"message":"hi"}`)
	a = agentAnswer{}
	_ = json.Unmarshal(b, &a)
	if !a.Success || a.Notice == nil || *a.Notice != msgs.Notice || !strings.Contains(a.Content, haiku) {
		t.Fatalf("answer %s", b)
	}

	// Healthy: no notice.
	s.SetRules(nil)
	_, b = call(t, "POST", g.url+"/v1/agent", `{"message":"hi"}`)
	a = agentAnswer{}
	_ = json.Unmarshal(b, &a)
	if !a.Success || a.Notice != nil || a.Content == "" {
		t.Fatalf("answer %s", b)
	}
}

func TestAgentTimeoutMessage(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: "*", Hang: true})
	p := fastProfile()
	p.Deadline, p.AttemptTimeout = 150*time.Millisecond, 60*time.Millisecond
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}),
		gateway.WithMessages(gateway.Messages{Timeout: "Too slow, sorry."}))
	start := time.Now()
	_, b := call(t, "POST", g.url+"/v1/agent", `{"message":"hi"}`)
	var a agentAnswer
	_ = json.Unmarshal(b, &a)
	if a.Success || a.Content != "Too slow, sorry." {
		t.Fatalf("answer %s", b)
	}
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Fatalf("took %v for a 150ms deadline", took)
	}
}

func TestAgentRejectsMalformedInput(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	for _, body := range []string{``, `{`, `{"message":""}`, `{"message":5}`, `{"msg":"hi"}`, `["hi"]`} {
		resp, b := call(t, "POST", g.url+"/v1/agent", body)
		_, msg, _ := anthropicError(t, b)
		if resp.StatusCode != 400 || !strings.Contains(msg, "message") {
			t.Fatalf("%q: %d %s", body, resp.StatusCode, b)
		}
	}
	if totalRequests(s) != 0 {
		t.Fatal("malformed input reached the upstream")
	}
}

func TestPerUserBreakerCutsOffAFailingUser(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: "*", Status: 400})
	st := store.NewMemory(store.WithUserLimit(2, time.Minute))
	g := startGateway(t, up, gateway.WithStore(st))
	body := `{"model":"claude-sonnet-5-5","max_tokens":10,"metadata":{"user_id":"mallory"},"messages":[{"role":"user","content":"x"}]}`
	for i := range 2 {
		if resp, _ := call(t, "POST", g.url+"/v1/messages", body); resp.StatusCode != 400 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	before := totalRequests(s)
	resp, b := call(t, "POST", g.url+"/v1/messages", body)
	if typ, _, _ := anthropicError(t, b); resp.StatusCode != 429 || typ != "rate_limit_error" || resp.Header.Get("retry-after") == "" ||
		resp.Header.Get("x-should-retry") != "false" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
	if totalRequests(s) != before {
		t.Fatal("a cut-off user's request reached the upstream")
	}
	if len(g.logs.lines("user_breaker.open")) != 1 {
		t.Fatal("no user_breaker.open line")
	}
	// Another user (named by header) is untouched.
	s.SetRules(nil)
	resp, _ = call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "x", false), "bulwark-user-id", "alice")
	if resp.StatusCode != 200 {
		t.Fatalf("another user: %d", resp.StatusCode)
	}
	// The agent endpoint answers a cut-off user with the static message.
	_, b = call(t, "POST", g.url+"/v1/agent", `{"message":"hi","user_id":"mallory"}`)
	var a agentAnswer
	if json.Unmarshal(b, &a); a.Success || a.Content == "" {
		t.Fatalf("agent answer %s", b)
	}
}

func TestCacheTierAnswersWhenEveryModelFails(t *testing.T) {
	s, up := startSim(t)
	st := &countingStore{Memory: store.NewMemory()}
	g := startGateway(t, up, gateway.WithStore(st), gateway.WithCache(true),
		gateway.WithChains(map[string][]string{"default": {sonnet, haiku, "cache", "static"}}))
	c := anthropic.NewClient(option.WithBaseURL(g.url), option.WithAPIKey("x"), option.WithMaxRetries(0))
	params := func(model string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 64,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("what is a breaker"))}}
	}
	fresh, err := c.Messages.New(context.Background(), params(sonnet))
	if err != nil {
		t.Fatal(err)
	}
	want := fresh.Content[0].Text
	waitFor(t, "the answer to be cached", func() bool { return st.puts.Load() == 1 })

	s.SetRules([]sim.Rule{{Model: "*", Status: 529}})
	var raw *http.Response
	cached, err := c.Messages.New(context.Background(), params(sonnet), option.WithResponseInto(&raw))
	if err != nil || cached.Content[0].Text != want || raw.Header.Get("bulwark-degraded") != "cache" {
		t.Fatalf("from cache: %v %+v", err, cached)
	}
	// A streamed request for another model of the chain has the same key and
	// gets a well-formed stream the SDK accumulates into the same message.
	stream := c.Messages.NewStreaming(context.Background(), params(haiku))
	var m anthropic.Message
	for stream.Next() {
		if err := m.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(m.Content) != 1 || m.Content[0].Text != want || m.StopReason != fresh.StopReason || m.Usage.OutputTokens != fresh.Usage.OutputTokens {
		t.Fatalf("streamed from cache: %+v", m)
	}
	// A request never seen before gets the error.
	resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "something new", false))
	if resp.StatusCode != 529 {
		t.Fatalf("uncached: %d", resp.StatusCode)
	}
}

// countingStore counts the answers put in its cache.
type countingStore struct {
	*store.Memory
	puts atomic.Int32
}

func (c *countingStore) CachePut(ctx context.Context, key string, e store.Entry) {
	c.Memory.CachePut(ctx, key, e)
	c.puts.Add(1)
}

func TestPassthroughEndpoints(t *testing.T) {
	var seen []string
	up := fakeUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		if len(seen) == 1 {
			w.WriteHeader(529)
			io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/files/f1" {
			w.WriteHeader(404)
			io.WriteString(w, `{"type":"error","error":{"type":"not_found_error","message":"no such file"}}`)
			return
		}
		io.WriteString(w, `{"input_tokens":12}`)
	})
	g := startGateway(t, up)
	body := `{"model":"claude-sonnet-5-5" , "messages":[{"role":"user","content":"hi"}]}`
	resp, b := call(t, "POST", g.url+"/v1/messages/count_tokens", body)
	if resp.StatusCode != 200 || string(b) != `{"input_tokens":12}` || resp.Header.Get("bulwark-attempts") != "2" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
	if len(seen) != 2 || seen[1] != "POST /v1/messages/count_tokens "+body {
		t.Fatalf("upstream saw %q", seen)
	}
	resp, _ = call(t, "GET", g.url+"/v1/models?limit=2&after_id=x", "")
	if resp.StatusCode != 200 || seen[2] != "GET /v1/models?limit=2&after_id=x " {
		t.Fatalf("%d, upstream saw %q", resp.StatusCode, seen)
	}
	resp, b = call(t, "GET", g.url+"/v1/files/f1", "")
	if typ, msg, _ := anthropicError(t, b); resp.StatusCode != 404 || typ != "not_found_error" || msg != "no such file" {
		t.Fatalf("a 4xx is passed back as is: %d %s", resp.StatusCode, b)
	}
}

func TestHealthReadyAndStatus(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Status: 529})
	st := store.NewMemory()
	g := startGateway(t, up, gateway.WithStore(st),
		gateway.WithChains(map[string][]string{"default": {"claude-sonnet-4-5", sonnet, haiku, "static"}}),
		gateway.WithClock(clock.NewFake(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))),
		gateway.WithStatusSection("spend", func() any { return map[string]float64{"usd": 1.5} }),
		gateway.WithStatusFields(func() any { return map[string]any{"rates": map[string]int{"rpm": 7}, "breakers": "clash"} }))
	_ = s
	call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	if resp, b := call(t, "GET", g.url+"/healthz", ""); resp.StatusCode != 200 || !strings.Contains(string(b), "ok") {
		t.Fatalf("healthz %d %s", resp.StatusCode, b)
	}
	resp, b := call(t, "GET", g.url+"/readyz", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"backend": "memory"`) {
		t.Fatalf("readyz %d %s", resp.StatusCode, b)
	}
	_, b = call(t, "GET", g.url+"/v1/status", "")
	var status struct {
		Breakers []struct {
			Model    string
			State    string
			Failures int
		}
		Warnings []struct {
			Model   string
			Retired bool
		}
		Store struct{ Backend string }
		Spend map[string]float64
		Rates map[string]int
	}
	if err := json.Unmarshal(b, &status); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	found := false
	for _, br := range status.Breakers {
		found = found || br.Model == sonnet && br.Failures == 2
	}
	if !found || status.Store.Backend != "memory" || status.Spend["usd"] != 1.5 || status.Rates["rpm"] != 7 {
		t.Fatalf("status %s", b)
	}
	if len(status.Warnings) != 1 || status.Warnings[0].Model != "claude-sonnet-4-5" || !status.Warnings[0].Retired {
		t.Fatalf("warnings %+v", status.Warnings)
	}
	if len(g.logs.lines("catalog.end_of_life")) != 1 {
		t.Fatal("no start-up warning about the retired model")
	}
}

func TestUnknownModelGetsItsOwnChain(t *testing.T) {
	const unknown = "claude-opus-4-1"
	s, up := startSim(t, sim.Rule{Model: unknown, Status: 529})
	g := startGateway(t, up)
	resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(unknown, "hi", false))
	if resp.StatusCode != 529 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if st := s.Stats(); st.Models[sonnet].Requests+st.Models[haiku].Requests != 0 || st.Models[unknown].Requests != 2 {
		t.Fatalf("an unknown model must not fall back to others: %+v", st.Models)
	}
}

func TestGracefulShutdownLetsAStreamFinish(t *testing.T) {
	_, up, stop, err := sim.Start(sim.WithSeed(1), sim.WithTokenDelay(15*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base, cancel, served := serveGateway(t, gateway.WithUpstream(up), gateway.WithAPIKey("k"),
		gateway.WithProfiles(map[string]engine.Profile{"interactive": fastProfile()}))

	resp, err := http.Post(base+"/v1/messages", "application/json", strings.NewReader(messagesBody(sonnet, "a long answer please", true)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 64)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	cancel() // shut down mid-stream
	waitFor(t, "readyz to report draining", func() bool {
		// New connections are refused once the listener closes; a refused
		// connection also shows the shutdown began.
		r, err := http.Get(base + "/readyz")
		if err != nil {
			return true
		}
		r.Body.Close()
		return r.StatusCode == 503
	})
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the stream was cut: %v", err)
	}
	evs := parseEvents(t, append(first, rest...))
	if evs[len(evs)-1].name != "message_stop" {
		t.Fatalf("stream ended with %s", evs[len(evs)-1].name)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after the stream ended")
	}
}

func TestGatewayEndpointsRefuseOtherMethodsWithoutGoingUpstream(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/v1/messages"}, {"PUT", "/v1/messages"}, {"DELETE", "/v1/agent"}, {"GET", "/v1/agent"},
	} {
		resp, body := call(t, tc.method, g.url+tc.path, "")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
			t.Fatalf("%s %s: %d allow=%q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if errType, _, _ := anthropicError(t, body); errType != "invalid_request_error" {
			t.Fatalf("%s %s: error type %q", tc.method, tc.path, errType)
		}
	}
	if n := totalRequests(s); n != 0 {
		t.Fatalf("%d requests reached the upstream", n)
	}
}

func TestOpusFallsBackToSonnetOnTheDefaultChains(t *testing.T) {
	// Claude Code asks for claude-opus-5-5 unless told otherwise: on the
	// default configuration a failing Opus is answered by Sonnet.
	s, up := startSim(t, sim.Rule{Model: "claude-opus-5-5", Status: 529})
	g := startGateway(t, up)
	resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody("claude-opus-5-5", "hi", false))
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != sonnet || resp.Header.Get("bulwark-fallback") != "true" {
		t.Fatalf("%d model %q fallback %q: %s", resp.StatusCode, resp.Header.Get("bulwark-model-used"), resp.Header.Get("bulwark-fallback"), b)
	}
	if st := s.Stats(); st.Models["claude-opus-5-5"].Requests == 0 {
		t.Fatalf("Opus was not tried first: %+v", st.Models)
	}
}
