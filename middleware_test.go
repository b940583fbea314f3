package bulwark_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// attemptCounter is an engine.Observer that counts the upstream attempts
// bulwark made, per model.
type attemptCounter struct {
	mu sync.Mutex
	n  map[string]int64
}

func (c *attemptCounter) Attempted(model string, _ int, _ taxonomy.Decision, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int64{}
	}
	c.n[model]++
}
func (c *attemptCounter) Retried(string, taxonomy.Class)  {}
func (c *attemptCounter) Skipped(string, breaker.Verdict) {}
func (c *attemptCounter) FellBack(string, string)         {}
func (c *attemptCounter) total() (n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.n {
		n += v
	}
	return n
}

// client returns an SDK client pointed at the fixture's simulator with the
// SDK's own defaults (2 retries) and bulwark's middleware with fast test
// timings: 3 attempts per model, 10ms backoff, 2s deadline, 500ms per
// attempt; opts adjust it.
func (f *fixture) client(t *testing.T, opts ...bulwark.Option) anthropic.Client {
	t.Helper()
	all := append([]bulwark.Option{
		bulwark.WithChain(sonnet, haiku),
		bulwark.WithLogger(slog.New(slog.NewJSONHandler(f.logs, nil))),
		bulwark.WithDeadline(2 * time.Second),
		bulwark.WithAttemptTimeout(500 * time.Millisecond),
		bulwark.WithBackoff(backoff.Policy{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}),
		bulwark.WithBreaker(breaker.Settings{Failures: 100, Window: time.Minute, OpenFor: time.Minute}),
	}, opts...)
	mw, err := bulwark.NewMiddleware(all...)
	if err != nil {
		t.Fatal(err)
	}
	return anthropic.NewClient(option.WithBaseURL(f.url), option.WithAPIKey("sk-test-key"), option.WithMiddleware(mw))
}

// requests counts every API request the simulator saw.
func (f *fixture) requests() int64 { return f.sim.Stats().Requests }

// apiError returns err as the SDK's *anthropic.Error, failing the test when
// it is not one.
func apiError(t *testing.T, err error) *anthropic.Error {
	t.Helper()
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *anthropic.Error", err)
	}
	return apiErr
}

func TestMiddlewareRetriesThenSucceeds(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529, Every: 2}) // the 1st call fails, the 2nd answers
	client := f.client(t)
	msg, err := client.Messages.New(t.Context(), params("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Model != sonnet || textOf(msg) == "" {
		t.Fatalf("answered by %q with %q, want the primary after a retry", msg.Model, textOf(msg))
	}
	if got := f.sim.Stats().Outcomes(); got[sonnet+" status_529"] != 1 || got[sonnet+" ok"] != 1 || f.calls(haiku) != 0 {
		t.Fatalf("simulator saw %v, want one 529 then one answer from %s", got, sonnet)
	}
}

func TestMiddlewareFallsBackOnOutage(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529, Rate: 1})
	obs := &attemptCounter{}
	client := f.client(t, bulwark.WithObserver(obs))
	msg, err := client.Messages.New(t.Context(), params("Where is my order?"))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Model != haiku || textOf(msg) == "" {
		t.Fatalf("answered by %q with %q, want the fallback", msg.Model, textOf(msg))
	}
	if f.calls(sonnet) != 3 || f.calls(haiku) != 1 || f.requests() != obs.total() {
		t.Fatalf("simulator saw %d calls to %s, %d to %s, %d in all for bulwark's %d attempts; want 3, 1, one per attempt",
			f.calls(sonnet), sonnet, f.calls(haiku), haiku, f.requests(), obs.total())
	}
}

func TestMiddlewareFailsFastOnABadRequest(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 400, Message: "messages: at least one message is required"})
	client := f.client(t)
	_, err := client.Messages.New(t.Context(), params("hi"))
	apiErr := apiError(t, err)
	if apiErr.StatusCode != 400 || apiErr.Type() != "invalid_request_error" || !strings.Contains(apiErr.Message, "at least one message") {
		t.Fatalf("got %d %s %q, want the upstream's 400 as it came", apiErr.StatusCode, apiErr.Type(), apiErr.Message)
	}
	if h := apiErr.Response.Header.Get("X-Should-Retry"); h != "false" {
		t.Fatalf("x-should-retry %q, want false", h)
	}
	if f.calls(sonnet) != 1 || f.calls(haiku) != 0 {
		t.Fatalf("%d calls to %s, %d to %s: a 400 is neither retried nor sent to another tier", f.calls(sonnet), sonnet, f.calls(haiku), haiku)
	}
}

func TestMiddlewareHonoursTheDeadline(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Hang: true})
	obs := &attemptCounter{}
	const deadline = 300 * time.Millisecond
	client := f.client(t, bulwark.WithDeadline(deadline), bulwark.WithObserver(obs))
	start := time.Now()
	_, err := client.Messages.New(t.Context(), params("hi"))
	took := time.Since(start)
	apiErr := apiError(t, err)
	if apiErr.StatusCode != http.StatusGatewayTimeout || apiErr.Type() != "timeout_error" {
		t.Fatalf("got %d %s, want 504 timeout_error", apiErr.StatusCode, apiErr.Type())
	}
	if took > deadline+time.Second { // ample for -race on a busy machine; a retry by the SDK would add its own 300ms
		t.Fatalf("took %v for a %v deadline", took, deadline)
	}
	if f.requests() == 0 || f.requests() != obs.total() {
		t.Fatalf("simulator saw %d requests for bulwark's %d attempts: the SDK retried on top", f.requests(), obs.total())
	}
}

func TestMiddlewareKeepsTheSDKFromMultiplyingRetriesWhenEveryTierFails(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rule       sim.Rule
		status     int
		retryAfter string
	}{
		{"overloaded", sim.Rule{Model: "*", Status: 529}, 529, ""},
		{"server errors", sim.Rule{Model: "*", Status: 500}, 503, ""},
		{"rate limited", sim.Rule{Model: "*", Status: 429, RetryAfter: sim.Duration(time.Minute)}, 429, "60"},
		{"connections reset", sim.Rule{Model: "*", Reset: true}, 503, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.rule)
			obs := &attemptCounter{}
			client := f.client(t, bulwark.WithAttempts(2), bulwark.WithObserver(obs)) // the SDK keeps its default 2 retries
			_, err := client.Messages.New(t.Context(), params("hi"))
			if n := f.requests(); n == 0 || n != obs.total() || n > 4 {
				t.Fatalf("simulator saw %d requests for bulwark's %d attempts (at most 2 per tier): the SDK retried on top", n, obs.total())
			}
			apiErr := apiError(t, err)
			if apiErr.StatusCode != tc.status || apiErr.Response.Header.Get("X-Should-Retry") != "false" {
				t.Fatalf("got %d, x-should-retry %q; want %d, false", apiErr.StatusCode, apiErr.Response.Header.Get("X-Should-Retry"), tc.status)
			}
			if got := apiErr.Response.Header.Get("Retry-After"); tc.retryAfter != "" && got != tc.retryAfter {
				t.Fatalf("retry-after %q, want %q", got, tc.retryAfter)
			}
		})
	}
}

func TestMiddlewareBreakerSkipsTheFailedPrimaryOnTheNextCall(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529})
	client := f.client(t, bulwark.WithAttempts(1), bulwark.WithClock(newFakeClock()),
		bulwark.WithBreaker(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: time.Minute}), bulwark.WithRecoveryProbes(0))
	for i := range 3 {
		msg, err := client.Messages.New(t.Context(), params("hi"))
		if err != nil || msg.Model != haiku {
			t.Fatalf("call %d: %v, answered by %v; want the fallback", i, err, msg)
		}
	}
	if f.calls(sonnet) != 1 || f.calls(haiku) != 3 {
		t.Fatalf("%d calls to %s, %d to %s: the open breaker must skip the primary", f.calls(sonnet), sonnet, f.calls(haiku), haiku)
	}
}

func TestMiddlewareStreamFallsBackBeforeTheFirstToken(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, StreamError: true, ErrorType: "overloaded_error"})
	client := f.client(t, bulwark.WithAttempts(1))
	st := client.Messages.NewStreaming(t.Context(), params("hello"))
	defer st.Close()
	var msg anthropic.Message
	for st.Next() {
		if err := msg.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if msg.Model != haiku || textOf(&msg) == "" || msg.StopReason != "end_turn" {
		t.Fatalf("streamed %q from %q (stop %q), want the fallback's whole answer", textOf(&msg), msg.Model, msg.StopReason)
	}
	if f.calls(sonnet) != 1 || f.calls(haiku) != 1 || f.requests() != 2 {
		t.Fatalf("%d calls to %s, %d to %s, %d in all", f.calls(sonnet), sonnet, f.calls(haiku), haiku, f.requests())
	}
}

func TestMiddlewareStreamFailingAfterTheFirstTokenReachesTheSDKAsIs(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, StreamError: true, StreamErrorAfterTokens: 2, ErrorType: "overloaded_error"})
	client := f.client(t)
	st := client.Messages.NewStreaming(t.Context(), params("a long answer please"))
	defer st.Close()
	var msg anthropic.Message
	for st.Next() {
		_ = msg.Accumulate(st.Current())
	}
	apiErr := apiError(t, st.Err())
	if apiErr.Type() != "overloaded_error" || msg.Model != sonnet || textOf(&msg) == "" {
		t.Fatalf("err %v after %q from %q: want the primary's text, then its error event", apiErr, textOf(&msg), msg.Model)
	}
	if f.calls(sonnet) != 1 || f.calls(haiku) != 0 {
		t.Fatalf("%d calls to %s, %d to %s: after the first token nothing may be retried", f.calls(sonnet), sonnet, f.calls(haiku), haiku)
	}
}

func TestMiddlewareStreamThatStallsAfterTheFirstTokenEndsWithErrStalled(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, StallAfterTokens: 3}) // stalls until the client leaves
	fc := newFakeClock()
	client := f.client(t, bulwark.WithClock(fc), bulwark.WithStreamTimeouts(time.Second, 100*time.Millisecond))
	ctx := deadlineCtx(t)
	st := client.Messages.NewStreaming(ctx, params("tell me a long story about resilience"))
	defer st.Close()
	texts := make(chan string, 1)
	var msg anthropic.Message
	go func() {
		for st.Next() {
			_ = msg.Accumulate(st.Current())
		}
		texts <- textOf(&msg)
	}()
	waitForTimers(ctx, t, fc, 1, "the stream's wait for its next event")
	fc.Advance(100 * time.Millisecond)
	if text := receive(ctx, t, texts, "the stalled stream to end"); text == "" || !errors.Is(st.Err(), bulwark.ErrStalled) {
		t.Fatalf("err = %v after %q, want a stall after some text", st.Err(), text)
	}
	if f.calls(haiku) != 0 {
		t.Fatal("after the first token nothing may be retried")
	}
}

func TestMiddlewareStreamCutAfterTheFirstTokenEndsWithErrStreamCutAndCountsAgainstTheModel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","+
			"\"type\":\"message\",\"role\":\"assistant\",\"model\":\""+sonnet+"\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}}\n\n"+
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"+
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n")
		// and the connection ends: no message_stop
	}))
	t.Cleanup(srv.Close)
	var opened atomic.Int32
	f := &fixture{url: srv.URL, logs: &syncBuffer{}}
	client := f.client(t, bulwark.WithBreaker(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: time.Minute}),
		bulwark.WithBreakerObserver(func(c breaker.Change) {
			if c.Model == sonnet && c.To == breaker.Open {
				opened.Add(1)
			}
		}))
	st := client.Messages.NewStreaming(t.Context(), params("hello"))
	defer st.Close()
	var msg anthropic.Message
	for st.Next() {
		_ = msg.Accumulate(st.Current())
	}
	if !errors.Is(st.Err(), bulwark.ErrStreamCut) || textOf(&msg) != "Hello" {
		t.Fatalf("err = %v after %q, want a cut after the first text", st.Err(), textOf(&msg))
	}
	if opened.Load() != 1 {
		t.Fatalf("breaker of %s opened %d times, want once: the cut counts against its model", sonnet, opened.Load())
	}
}

func TestMiddlewareStreamWhenEveryTierFailsIsAnErrorTheSDKDoesNotRetry(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", StreamError: true, ErrorType: "overloaded_error"})
	client := f.client(t, bulwark.WithAttempts(1))
	st := client.Messages.NewStreaming(t.Context(), params("hello"))
	defer st.Close()
	for st.Next() {
		t.Fatalf("an event reached the SDK: %s", st.Current().Type)
	}
	apiErr := apiError(t, st.Err())
	if apiErr.StatusCode != 529 || apiErr.Type() != "overloaded_error" || apiErr.Response.Header.Get("X-Should-Retry") != "false" {
		t.Fatalf("got %d %s, x-should-retry %q; want 529 overloaded_error, false", apiErr.StatusCode, apiErr.Type(),
			apiErr.Response.Header.Get("X-Should-Retry"))
	}
	if f.requests() != 2 {
		t.Fatalf("simulator saw %d requests, want one per tier", f.requests())
	}
}

func TestMiddlewareStreamWithALateFirstTokenIsAnsweredByItsHedge(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Latency: sim.Duration(3 * time.Second)})
	client := f.client(t, bulwark.WithDeadline(10*time.Second), bulwark.WithAttemptTimeout(5*time.Second),
		bulwark.WithStreamTimeouts(5*time.Second, time.Second), bulwark.WithHedge(100*time.Millisecond, 1))
	start := time.Now()
	st := client.Messages.NewStreaming(deadlineCtx(t), params("hello"))
	defer st.Close()
	var msg anthropic.Message
	for st.Next() {
		_ = msg.Accumulate(st.Current())
	}
	if st.Err() != nil || msg.Model != haiku || textOf(&msg) == "" {
		t.Fatalf("streamed %q from %q, err %v; want the hedge on %s", textOf(&msg), msg.Model, st.Err(), haiku)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("answered after %v: the late attempt was waited for", took)
	}
}

func TestMiddlewarePassesOtherPathsStraightThrough(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529})
	client := f.client(t)
	// count_tokens for the failing primary: no fallback, no rewrite, no
	// retry of bulwark's (the SDK's own, with it told to make none).
	_, err := client.Messages.CountTokens(t.Context(), anthropic.MessageCountTokensParams{
		Model:    sonnet,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}, option.WithMaxRetries(0))
	if apiErr := apiError(t, err); apiErr.StatusCode != 529 || apiErr.Response.Header.Get("X-Should-Retry") != "" {
		t.Fatalf("count_tokens: %d, x-should-retry %q; want the upstream's 529 as it came", apiErr.StatusCode,
			apiErr.Response.Header.Get("X-Should-Retry"))
	}
	if f.calls(sonnet) != 1 || f.calls(haiku) != 0 {
		t.Fatalf("count_tokens: %d calls to %s, %d to %s; want one, untouched", f.calls(sonnet), sonnet, f.calls(haiku), haiku)
	}
	page, err := client.Models.List(t.Context(), anthropic.ModelListParams{})
	if err != nil || len(page.Data) == 0 {
		t.Fatalf("models: %v, %v", page, err)
	}
}

func TestMiddlewareSendsEachAttemptThroughTheSDKWithItsBodyAndAuth(t *testing.T) {
	type seen struct{ path, key, body string }
	var mu sync.Mutex
	var got []seen
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.URL.Path, r.Header.Get("Authorization"), string(buf)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) == 1 {
			w.WriteHeader(529)
			_, _ = w.Write([]byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"msg_1","type":"message","role":"assistant","model":"` + haiku +
			`","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`))
	}))
	t.Cleanup(srv.Close)
	f := &fixture{url: srv.URL + "/prefix", logs: &syncBuffer{}}
	client := f.client(t, bulwark.WithAttempts(1))
	msg, err := client.Messages.New(t.Context(), params("hi"))
	if err != nil || msg.Model != haiku {
		t.Fatalf("%v, %v", msg, err)
	}
	if len(got) != 2 {
		t.Fatalf("upstream saw %d requests, want 2", len(got))
	}
	for i, want := range []string{sonnet, haiku} {
		s := got[i]
		if s.path != "/prefix/v1/messages" || s.key != "Bearer sk-test-key" || !strings.Contains(s.body, `"model":"`+want+`"`) ||
			!strings.Contains(s.body, `"text":"hi"`) {
			t.Fatalf("attempt %d: %+v, want the SDK's path and key, the whole body, model %s", i+1, s, want)
		}
	}
}

func TestNewMiddlewareRefusesWhatItCannotServe(t *testing.T) {
	for name, opts := range map[string][]bulwark.Option{
		"no model":         {bulwark.WithChain("static")},
		"a cache tier":     {bulwark.WithChain(sonnet, "cache")},
		"another upstream": {bulwark.WithChain(sonnet, sonnet+"@bedrock-us")},
	} {
		if _, err := bulwark.NewMiddleware(opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Middleware did not panic on a chain with no model")
		}
	}()
	bulwark.Middleware(bulwark.WithChain("static"))
}

func textOf(m *anthropic.Message) string {
	var b strings.Builder
	for _, c := range m.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}
