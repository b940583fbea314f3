package bulwark_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/sim"
)

const (
	sonnet = "claude-sonnet-5-5"
	haiku  = "claude-haiku-5-5"
)

// fixture is a simulator on loopback and a Guard pointed at it.
type fixture struct {
	sim  *sim.Server
	url  string
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T, rules ...sim.Rule) *fixture {
	t.Helper()
	srv, url, stop, err := sim.Start(sim.WithSeed(1), sim.WithRules(rules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &fixture{sim: srv, url: url, logs: &syncBuffer{}}
}

// guard returns a Guard with fast test timings: 3 attempts of 10ms backoff,
// 2s deadline, 500ms per attempt; opts adjust it.
func (f *fixture) guard(t *testing.T, opts ...bulwark.Option) *bulwark.Guard {
	t.Helper()
	all := append([]bulwark.Option{
		bulwark.WithBaseURL(f.url),
		bulwark.WithAPIKey("sk-test-key"),
		bulwark.WithLogger(slog.New(slog.NewJSONHandler(f.logs, nil))),
		bulwark.WithDeadline(2 * time.Second),
		bulwark.WithAttemptTimeout(500 * time.Millisecond),
		bulwark.WithBackoff(backoff.Policy{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}),
		bulwark.WithBreaker(breaker.Settings{Failures: 100, Window: time.Minute, OpenFor: time.Minute}),
	}, opts...)
	g, err := bulwark.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// newFakeClock returns a fake clock at a fixed instant.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) }

// testDeadline bounds a test on a fake clock: a timer it waits for that never
// comes, or an advance that fires nothing, fails the test then instead of
// hanging it. Ample for the race detector on a busy machine.
const testDeadline = 20 * time.Second

// deadlineCtx returns a context that ends after testDeadline or with the test.
func deadlineCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

// waitForTimers returns once fc has n timers pending, as fc.WaitForTimers
// does, or fails the test when ctx ends first; what says which wait it is.
func waitForTimers(ctx context.Context, t *testing.T, fc *clock.Fake, n int, what string) {
	t.Helper()
	ready := make(chan struct{})
	go func() { fc.WaitForTimers(n); close(ready) }()
	select {
	case <-ready:
	case <-ctx.Done():
		pending := fc.Pending()
		for range n { // wake the waiting goroutine: it must not outlive the test
			fc.NewTimer(time.Hour)
		}
		<-ready
		t.Fatalf("waiting for %s: %d timers pending, want %d (%v)", what, pending, n, ctx.Err())
	}
}

// receive returns what comes on c, failing the test when ctx ends first.
func receive[T any](ctx context.Context, t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
		var zero T
		return zero
	}
}

func (f *fixture) calls(model string) int64 { return f.sim.Stats().Models[model].Requests }

func params(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     sonnet,
		MaxTokens: 64,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	}
}

func TestOverloadedPrimaryFallsBackThenTheBreakerSkipsIt(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529})
	fc := clock.NewFake(time.Now())
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithJitterSource(func() float64 { return 0 }),
		bulwark.WithBreaker(breaker.Settings{Failures: 3, Window: time.Minute, OpenFor: time.Second, HalfOpenProbes: 1}))
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hello"})
	if !resp.Success || !resp.IsFallback || resp.ModelUsed != haiku || resp.Notice == "" {
		t.Fatalf("got %+v", resp)
	}
	if n := f.calls(sonnet); n != 3 {
		t.Fatalf("simulator saw %d primary calls, want the 3 configured attempts", n)
	}
	fc.Advance(time.Second - time.Millisecond) // open_for has not passed
	for range 5 {
		if resp := g.Handle(context.Background(), bulwark.Request{Message: "again"}); resp.ModelUsed != haiku {
			t.Fatalf("with the breaker open: %+v", resp)
		}
	}
	if n := f.calls(sonnet); n != 3 {
		t.Fatalf("primary called %d times while its breaker was open, want 0 more", n-3)
	}
	fc.Advance(time.Millisecond) // open_for passes
	g.Handle(context.Background(), bulwark.Request{Message: "probe"})
	if n := f.calls(sonnet); n != 4 {
		t.Fatalf("after open_for: %d primary calls, want exactly one half-open probe", n-3)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFixture(t)
	f.sim.SetRules([]sim.Rule{{Model: sonnet, Status: 429, RetryAfter: sim.Duration(time.Second), Rate: 1}})
	fc := clock.NewFake(time.Now())
	g := f.guard(t, bulwark.WithAttempts(2), bulwark.WithChain(sonnet, "static"), bulwark.WithDeadline(5*time.Second),
		bulwark.WithClock(fc), bulwark.WithJitterSource(func() float64 { return 0 }))
	ctx := deadlineCtx(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Messages(ctx, params("hi"))
	}()
	waiting := make(chan struct{})
	go func() { fc.WaitForTimers(1); close(waiting) }()
	select {
	case <-done:
		t.Fatalf("the call ended after %d primary calls without waiting for retry-after: 1", f.calls(sonnet))
	case <-waiting:
	case <-ctx.Done():
		fc.NewTimer(time.Hour) // wakes the waiting goroutine
		<-waiting
		t.Fatalf("the call did not wait for retry-after: 1 on the clock (%v)", ctx.Err())
	}
	fc.Advance(time.Second - time.Millisecond)
	if fc.Pending() != 1 || f.calls(sonnet) != 1 {
		t.Fatalf("%d primary calls, %d timers pending 1ms before retry-after: 1 ends; want 1 and 1", f.calls(sonnet), fc.Pending())
	}
	fc.Advance(time.Millisecond)
	receive(ctx, t, done, "the call to end after retry-after: 1")
	if n := f.calls(sonnet); n != 2 {
		t.Fatalf("%d primary calls, want 2", n)
	}
}

func TestRetryAfterLongerThanTheDeadlineFallsBackAtOnce(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 429, RetryAfter: sim.Duration(30 * time.Second)})
	// On a fake clock no one advances, a wait for retry-after never ends:
	// the call answers only if it falls back at once.
	g := f.guard(t, bulwark.WithDeadline(5*time.Second), bulwark.WithClock(newFakeClock()))
	ctx := deadlineCtx(t)
	type result struct {
		msg *anthropic.Message
		out bulwark.Outcome
		err error
	}
	results := make(chan result, 1)
	go func() {
		msg, out, err := g.Messages(ctx, params("hi"))
		results <- result{msg, out, err}
	}()
	r := receive(ctx, t, results, "the fallback's answer: the call waited instead of falling back")
	if r.err != nil || r.msg == nil || r.out.Model != haiku {
		t.Fatalf("err=%v out=%+v", r.err, r.out)
	}
	if f.calls(sonnet) != 1 {
		t.Fatalf("%d primary calls, want 1", f.calls(sonnet))
	}
}

func TestBadRequestFailsFastWithoutFallback(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 400, Message: "messages: roles must alternate"})
	g := f.guard(t)
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
	if resp.Success || f.calls(sonnet) != 1 || f.calls(haiku) != 0 {
		t.Fatalf("success=%v primary=%d fallback=%d", resp.Success, f.calls(sonnet), f.calls(haiku))
	}
	if strings.Contains(resp.Content, "alternate") || resp.Content == "" {
		t.Fatalf("content %q shows upstream text or nothing", resp.Content)
	}
	var be *bulwark.Error
	_, _, err := g.Messages(context.Background(), params("hi"))
	var apiErr *anthropic.Error
	if !errors.As(err, &be) || be.Reason != engine.Rejected || !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("Messages error %v: want a rejected *bulwark.Error wrapping the 400", err)
	}
}

func TestBadKeyPagesInsteadOfHiding(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Status: 401})
	g := f.guard(t)
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
	if resp.Success || f.calls(sonnet) != 1 || f.calls(haiku) != 0 {
		t.Fatalf("success=%v primary=%d fallback=%d", resp.Success, f.calls(sonnet), f.calls(haiku))
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, `"page":true`) {
		t.Fatalf("no ERROR log with page=true:\n%s", logs)
	}
	if strings.Contains(logs, "sk-test-key") {
		t.Fatal("the API key was logged")
	}
}

func TestRetiredModelFallsToTheNextTierAndPages(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 404})
	g := f.guard(t)
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
	if !resp.Success || resp.ModelUsed != haiku || f.calls(sonnet) != 1 {
		t.Fatalf("got %+v after %d primary calls", resp, f.calls(sonnet))
	}
	if !strings.Contains(f.logs.String(), `"page":true`) {
		t.Fatal("a 404 on the model must page")
	}
}

func TestHungPrimaryTimesOutAndTheFallbackAnswers(t *testing.T) {
	tests := []struct {
		name     string
		opts     []bulwark.Option
		min, max time.Duration
	}{
		{"cut by its attempt timeout", []bulwark.Option{bulwark.WithAttemptTimeout(300 * time.Millisecond)},
			300 * time.Millisecond, 800 * time.Millisecond},
		// An attempt timeout longer than the deadline: only the fallback
		// reserve cuts the primary's attempt, at 1 s − 600 ms.
		{"cut to leave the fallback its reserve", []bulwark.Option{bulwark.WithAttemptTimeout(5 * time.Second),
			bulwark.WithFallbackReserve(600*time.Millisecond, 100*time.Millisecond), bulwark.WithMinAttempt(100 * time.Millisecond)},
			350 * time.Millisecond, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sim.Rule{Model: sonnet, Hang: true})
			g := f.guard(t, append([]bulwark.Option{bulwark.WithDeadline(time.Second)}, tt.opts...)...)
			start := time.Now()
			resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
			if !resp.Success || resp.ModelUsed != haiku {
				t.Fatalf("got %+v", resp)
			}
			if took := time.Since(start); took < tt.min || took > tt.max {
				t.Fatalf("took %v, want %v..%v", took, tt.min, tt.max)
			}
		})
	}
}

func TestTheDeadlineHoldsWhateverTheFaults(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Hang: true})
	const deadline = 400 * time.Millisecond
	g := f.guard(t, bulwark.WithDeadline(deadline), bulwark.WithAttemptTimeout(150*time.Millisecond))
	start := time.Now()
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
	if took := time.Since(start); took > deadline+50*time.Millisecond {
		t.Fatalf("took %v with a %v deadline", took, deadline)
	}
	if resp.Success || resp.Content == "" || resp.ErrorContext == "" {
		t.Fatalf("got %+v", resp)
	}
}

func TestEveryTierDownGivesTheStaticMessage(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Status: 529})
	msgs := bulwark.DefaultMessages()
	msgs.Unavailable = "We're on it — please try again shortly."
	g := f.guard(t, bulwark.WithMessages(msgs))
	resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"})
	if resp.Success || resp.Content != msgs.Unavailable || !strings.HasPrefix(resp.ErrorContext, "exhausted") {
		t.Fatalf("got %+v", resp)
	}
}

func collect(s *bulwark.Stream) string {
	var b strings.Builder
	for s.Next() {
		ev := s.Current()
		if ev.Type == "content_block_delta" {
			b.WriteString(ev.Delta.Text)
		}
	}
	return b.String()
}

func TestStreamFallsBackInvisiblyBeforeTheFirstToken(t *testing.T) {
	const firstToken = 150 * time.Millisecond
	tests := map[string]struct {
		rule sim.Rule
		// times out: the primary is silent until its first-token timeout
		// passes on the Guard's clock.
		timesOut bool
	}{
		"first-token timeout": {sim.Rule{Model: sonnet, StreamStall: true}, true},
		"SSE error event":     {sim.Rule{Model: sonnet, StreamError: true, ErrorType: "overloaded_error"}, false},
		"HTTP 529":            {sim.Rule{Model: sonnet, Status: 529}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, tt.rule)
			fc := newFakeClock()
			g := f.guard(t, bulwark.WithClock(fc), bulwark.WithAttempts(1), bulwark.WithStreamTimeouts(firstToken, time.Second))
			ctx := deadlineCtx(t)
			streams := make(chan *bulwark.Stream, 1)
			go func() { streams <- g.Stream(ctx, params("tell me a story")) }()
			if tt.timesOut {
				waitForTimers(ctx, t, fc, 1, "the primary's first token")
				fc.Advance(firstToken)
			}
			s := receive(ctx, t, streams, "the fallback's stream")
			defer s.Close()
			text := collect(s)
			if err := s.Err(); err != nil {
				t.Fatalf("stream error %v", err)
			}
			if s.Outcome().Model != haiku || text == "" || s.Message().StopReason == "" {
				t.Fatalf("model %q text %q stop %q", s.Outcome().Model, text, s.Message().StopReason)
			}
		})
	}
}

func TestStreamStallAfterTheFirstTokenEndsWithAnErrorAndTheTextSoFar(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, StallAfterTokens: 3}) // stalls until the client leaves
	fc := clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithStreamTimeouts(time.Second, 100*time.Millisecond))
	ctx := deadlineCtx(t)
	s := g.Stream(ctx, params("tell me a long story about resilience"))
	defer s.Close()
	texts := make(chan string, 1)
	go func() { texts <- collect(s) }()
	waitForTimers(ctx, t, fc, 1, "the stream's wait for its next event")
	fc.Advance(100 * time.Millisecond)
	text := receive(ctx, t, texts, "the stalled stream to end")
	var se *bulwark.StreamError
	if err := s.Err(); !errors.As(err, &se) || !errors.Is(err, bulwark.ErrStalled) {
		t.Fatalf("err = %v, want a stall", err)
	}
	if text == "" || se.Partial.Content[0].Text != text {
		t.Fatalf("partial %q vs delivered %q", se.Partial.Content[0].Text, text)
	}
	if f.calls(haiku) != 0 {
		t.Fatal("after the first token nothing may be retried")
	}
}

func TestStreamWithIdleTimeoutZeroHasNoStallBound(t *testing.T) {
	simClock := clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	srv, url, stop, err := sim.Start(sim.WithSeed(1), sim.WithClock(simClock),
		sim.WithRules([]sim.Rule{{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Hour)}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	f := &fixture{sim: srv, url: url, logs: &syncBuffer{}}
	fc := clock.NewFake(simClock.Now())
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithStreamTimeouts(time.Second, 0))
	ctx := deadlineCtx(t)
	s := g.Stream(ctx, params("a long answer please"))
	defer s.Close()
	texts := make(chan string, 1)
	go func() { texts <- collect(s) }()
	waitForTimers(ctx, t, simClock, 1, "the upstream to stall")
	fc.Advance(24 * time.Hour) // no gap is too long: 0 means no idle bound, as in the gateway
	simClock.Advance(time.Hour)
	if text := receive(ctx, t, texts, "the stream to end"); s.Err() != nil || text == "" || s.Message().StopReason == "" {
		t.Fatalf("err %v, text %q, stop %q: an idle timeout of 0 bounded the gap", s.Err(), text, s.Message().StopReason)
	}
}

func TestRetriesStayWithinTheBudgetUnderAFullOutage(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 529})
	// What is measured is the budget, not speed: 50 callers at once under
	// the race detector on a busy machine can take longer than the fixture's
	// 500 ms per attempt, so give them room.
	g := f.guard(t, bulwark.WithRetryBudget(0.2, -1), bulwark.WithChain(sonnet, haiku, "static"),
		bulwark.WithDeadline(10*time.Second), bulwark.WithAttemptTimeout(4*time.Second))
	var wg sync.WaitGroup
	const callers = 50
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"}); !resp.Success {
				t.Errorf("not answered: %+v", resp.ErrorContext)
			}
		}()
	}
	wg.Wait()
	// First attempts: one on the primary and one on the fallback per caller.
	first := callers + f.calls(haiku)
	retries := f.calls(sonnet) - callers
	if budget := int64(0.2*float64(first)) + 1; retries > budget {
		t.Fatalf("%d primary retries for %d first attempts: over the 20%% budget (%d)", retries, first, budget)
	}
	if retries == 0 {
		t.Fatal("no retry at all: the budget should allow some")
	}
}

func TestARetiredModelInTheChainIsWarnedAboutAtStart(t *testing.T) {
	f := newFixture(t)
	f.guard(t, bulwark.WithChain("claude-sonnet-4-5", haiku, "static"))
	logs := f.logs.String()
	if !strings.Contains(logs, "model.end_of_life") || !strings.Contains(logs, "claude-sonnet-5-5") {
		t.Fatalf("no end-of-life warning naming the successor:\n%s", logs)
	}
}

func TestStreamsThatStallAfterTheFirstTokenOpenTheBreaker(t *testing.T) {
	// One token, then silence until the client leaves: that token is the
	// commit point, so the first wait after it is the stall.
	f := newFixture(t, sim.Rule{Model: sonnet, StallAfterTokens: 1})
	fc := newFakeClock()
	const idle = 40 * time.Millisecond
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithStreamTimeouts(time.Second, idle),
		bulwark.WithBreaker(breaker.Settings{Failures: 2, Window: time.Minute, OpenFor: time.Minute}))
	ctx := deadlineCtx(t)
	for i := range 2 {
		s := g.Stream(ctx, params("hi")) // committed
		texts := make(chan string, 1)
		go func() { texts <- collect(s) }()
		waitForTimers(ctx, t, fc, 1, "the idle timeout after the first token")
		fc.Advance(idle)
		receive(ctx, t, texts, "the stalled stream to end")
		if err := s.Err(); !errors.Is(err, bulwark.ErrStalled) {
			t.Fatalf("stream %d ended with %v, want a stall", i+1, err)
		}
		s.Close()
	}
	if st := g.Breakers().State(sonnet); st != breaker.Open {
		t.Fatalf("breaker %v after 2 stalled streams, want open", st)
	}
}
