package engine_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

const (
	sonnet = "claude-sonnet-5-5"
	haiku  = "claude-haiku-5-5"
)

var chain = engine.Chain{Models: []string{sonnet, haiku}, Static: true}

// upstream is a scripted fake upstream: per deployment key (a model on
// the default upstream), a function of the attempt
// that returns a result and how long the call takes on the fake clock.
type upstream struct {
	mu       sync.Mutex
	fc       *clock.Fake
	calls    map[string][]time.Duration // call start times, relative to t0
	timeouts map[string][]time.Duration // each call's Attempt.Timeout
	t0       time.Time
	reply    map[string]func(a engine.Attempt) (taxonomy.Result, time.Duration)
}

func newUpstream(fc *clock.Fake) *upstream {
	return &upstream{fc: fc, t0: fc.Now(), calls: map[string][]time.Duration{}, timeouts: map[string][]time.Duration{},
		reply: map[string]func(engine.Attempt) (taxonomy.Result, time.Duration){}}
}

func (u *upstream) on(model string, f func(a engine.Attempt) (taxonomy.Result, time.Duration)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reply[model] = f
}

// do is the fake upstream's AttemptFunc: its payload names the attempt
// ("model#n"), so that tests can see which one the outcome carries.
func (u *upstream) do(_ context.Context, a engine.Attempt) (string, taxonomy.Result) {
	key := engine.Deployment(a.Model, a.Upstream)
	name := key + "#" + strconv.Itoa(a.N)
	u.mu.Lock()
	u.calls[key] = append(u.calls[key], u.fc.Now().Sub(u.t0))
	u.timeouts[key] = append(u.timeouts[key], a.Timeout)
	f := u.reply[key]
	u.mu.Unlock()
	if f == nil {
		return name, taxonomy.Result{Status: 200}
	}
	r, took := f(a)
	if took > a.Timeout { // the attempt's timeout fires first
		u.fc.Advance(a.Timeout)
		return name, taxonomy.Result{TimedOut: true}
	}
	u.fc.Advance(took)
	return name, r
}

func (u *upstream) count(model string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.calls[model])
}

func status(code int, kv ...string) func(engine.Attempt) (taxonomy.Result, time.Duration) {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return func(engine.Attempt) (taxonomy.Result, time.Duration) {
		return taxonomy.Result{Status: code, Header: h}, 10 * time.Millisecond
	}
}

func hang(engine.Attempt) (taxonomy.Result, time.Duration) { return taxonomy.Result{}, time.Hour }

type fixture struct {
	fc  *clock.Fake
	up  *upstream
	eng *engine.Engine
}

func newFixture(t *testing.T, bs breaker.Settings, opts ...engine.Option) *fixture {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	all := append([]engine.Option{
		engine.WithClock(fc),
		engine.WithBreakers(breaker.New(bs, breaker.WithClock(fc))),
		engine.WithBudget(budget.New(1, 100, budget.WithClock(fc))),
		engine.WithRand(func() float64 { return 0.5 }),
	}, opts...)
	return &fixture{fc: fc, up: newUpstream(fc), eng: engine.New(all...)}
}

// run runs one call, firing the fake clock's timers as the engine waits on them.
func (f *fixture) run(t *testing.T, p engine.Profile) engine.Outcome[string] {
	t.Helper()
	return f.runCall(engine.Call[string]{RequestID: "req_test", Chain: chain, Profile: &p, Do: f.up.do})
}

// runCall runs c on the fixture's engine (c.Do defaults to the fake upstream).
func (f *fixture) runCall(c engine.Call[string]) engine.Outcome[string] {
	if c.Do == nil {
		c.Do = f.up.do
	}
	var out engine.Outcome[string]
	f.drive(func() { out = engine.Run(context.Background(), f.eng, c) })
	return out
}

// drive calls fn, and fires the fake clock's timers one by one, earliest
// first, as the code under test waits on them, until fn returns. Then a
// sentinel timer, made only after done is closed, wakes the driver from
// WaitForTimers; done is checked again after each firing, in case the one
// fired was the sentinel.
func (f *fixture) drive(fn func()) {
	done := make(chan struct{})
	sentinel := make(chan clock.Timer, 1)
	go func() {
		fn()
		close(done)
		sentinel <- f.fc.NewTimer(time.Hour)
	}()
	over := func() bool {
		select {
		case <-done:
			(<-sentinel).Stop()
			return true
		default:
			return false
		}
	}
	for {
		f.fc.WaitForTimers(1)
		if over() {
			return
		}
		f.fc.AdvanceToNext()
		if over() {
			return
		}
	}
}

func profile(attempts int, deadline, attemptTimeout time.Duration) engine.Profile {
	return engine.Profile{
		Name: "test", Attempts: attempts, Deadline: deadline, AttemptTimeout: attemptTimeout,
		Backoff: backoff.Policy{Initial: 100 * time.Millisecond, Max: time.Second},
	}
}

func TestOverloadedPrimaryFallsBackAfterItsAttempts(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(sonnet, status(529))
	out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
	if out.Reason != engine.Answered || out.Model != haiku || !out.Fallback {
		t.Fatalf("got %v from %q fallback=%v; want answered by %s as fallback", out.Reason, out.Model, out.Fallback, haiku)
	}
	if n := f.up.count(sonnet); n != 3 {
		t.Fatalf("primary called %d times, want 3", n)
	}
	if n := out.UpstreamCalls(); n != 4 {
		t.Fatalf("UpstreamCalls = %d, want 4", n)
	}
}

func TestOpenBreakerSkipsPrimaryUntilOpenForPassesThenProbesOnce(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 3, Window: time.Minute, OpenFor: 30 * time.Second, HalfOpenProbes: 1})
	f.up.on(sonnet, status(529))
	p := profile(3, 25*time.Second, 5*time.Second)
	f.run(t, p)
	if f.eng.Breakers().State(sonnet) != breaker.Open {
		t.Fatalf("breaker %v after 3 failures, want open", f.eng.Breakers().State(sonnet))
	}
	before := f.up.count(sonnet)
	for range 5 {
		out := f.run(t, p)
		if out.Model != haiku || out.Attempts[0].Skipped != breaker.SkipOpen {
			t.Fatalf("with the breaker open: %+v", out.Attempts)
		}
	}
	if n := f.up.count(sonnet) - before; n != 0 {
		t.Fatalf("primary called %d times while open, want 0", n)
	}
	f.fc.Advance(31 * time.Second)
	f.up.on(sonnet, status(200))
	out := f.run(t, p)
	if out.Model != sonnet || f.up.count(sonnet)-before != 1 {
		t.Fatalf("half-open probe: answered by %q after %d primary calls", out.Model, f.up.count(sonnet)-before)
	}
	if f.eng.Breakers().State(sonnet) != breaker.Closed {
		t.Fatal("a good probe closes the breaker")
	}
}

func TestRetryAfterIsWaitedInFull(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	first := true
	f.up.on(sonnet, func(a engine.Attempt) (taxonomy.Result, time.Duration) {
		if first {
			first = false
			return status(429, "retry-after", "1")(a)
		}
		return taxonomy.Result{Status: 200}, 0
	})
	out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
	calls := f.up.calls[sonnet]
	if out.Model != sonnet || len(calls) != 2 {
		t.Fatalf("answered by %q after %d calls", out.Model, len(calls))
	}
	if gap := calls[1] - calls[0]; gap < time.Second {
		t.Fatalf("retried %v after a retry-after: 1", gap)
	}
}

func TestRetryAfterLongerThanTheDeadlineFallsBackAtOnce(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(sonnet, status(429, "retry-after", "30"))
	out := f.run(t, profile(3, 5*time.Second, 2*time.Second))
	if out.Model != haiku {
		t.Fatalf("answered by %q, want the fallback", out.Model)
	}
	if f.up.count(sonnet) != 1 {
		t.Fatalf("primary called %d times, want 1", f.up.count(sonnet))
	}
	if out.Took > 50*time.Millisecond {
		t.Fatalf("took %v: the engine slept instead of falling back", out.Took)
	}
	if out.RateLimited {
		t.Fatal("an answered run is not rate limited")
	}
	// The cooldown keeps the next request off the primary.
	out = f.run(t, profile(3, 5*time.Second, 2*time.Second))
	if f.up.count(sonnet) != 1 || out.Attempts[0].Skipped != breaker.SkipCooldown {
		t.Fatalf("during the cooldown: %+v", out.Attempts)
	}
}

func TestRequestErrorsFailFast(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		reason   engine.Reason
		model    string
		primary  int
		fallback int
		paged    bool
	}{
		{"400 stops at once", 400, engine.Rejected, "", 1, 0, false},
		{"413 stops at once", 413, engine.Rejected, "", 1, 0, false},
		{"401 stops and pages", 401, engine.Rejected, "", 1, 0, true},
		{"403 stops and pages", 403, engine.Rejected, "", 1, 0, true},
		{"404 model falls to the next tier and pages", 404, engine.Answered, haiku, 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, breaker.Settings{Failures: 10})
			f.up.on(sonnet, status(tt.code))
			out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
			if out.Reason != tt.reason || out.Model != tt.model || out.Paged != tt.paged {
				t.Fatalf("reason=%v model=%q paged=%v", out.Reason, out.Model, out.Paged)
			}
			if f.up.count(sonnet) != tt.primary || f.up.count(haiku) != tt.fallback {
				t.Fatalf("calls: primary %d fallback %d", f.up.count(sonnet), f.up.count(haiku))
			}
		})
	}
}

func TestHungPrimaryLeavesTheFallbackItsTime(t *testing.T) {
	// DESIGN §3's example: deadline 4s, attempt timeout 1.5s, primary hangs.
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(sonnet, hang)
	out := f.run(t, profile(3, 4*time.Second, 1500*time.Millisecond))
	if out.Model != haiku || f.up.count(sonnet) != 1 {
		t.Fatalf("answered by %q after %d primary calls; want the fallback after 1", out.Model, f.up.count(sonnet))
	}
	if out.Took < 1500*time.Millisecond || out.Took > 1600*time.Millisecond {
		t.Fatalf("took %v, want about 1.5s", out.Took)
	}
}

func TestNothingOutlivesTheDeadline(t *testing.T) {
	for _, deadline := range []time.Duration{time.Second, 4 * time.Second, 25 * time.Second} {
		f := newFixture(t, breaker.Settings{Failures: 100})
		f.up.on(sonnet, hang)
		f.up.on(haiku, hang)
		out := f.run(t, profile(3, deadline, 1500*time.Millisecond))
		if out.Reason != engine.DeadlineExceeded && out.Reason != engine.Exhausted {
			t.Fatalf("deadline %v: reason %v", deadline, out.Reason)
		}
		if out.Took > deadline {
			t.Fatalf("deadline %v: took %v", deadline, out.Took)
		}
	}
}

func TestEveryTierDownIsExhausted(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.up.on(sonnet, status(503))
	f.up.on(haiku, status(529))
	out := f.run(t, profile(2, 25*time.Second, 5*time.Second))
	if out.Reason != engine.Exhausted || out.Model != "" || out.Last.Class != taxonomy.Overloaded {
		t.Fatalf("reason=%v model=%q last=%v", out.Reason, out.Model, out.Last.Class)
	}
	if out.UpstreamCalls() != 4 {
		t.Fatalf("%d upstream calls, want 4", out.UpstreamCalls())
	}
}

func TestShouldRetryFalseMovesOnWithoutRetrying(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.up.on(sonnet, status(529, "x-should-retry", "false"))
	out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
	if out.Model != haiku || f.up.count(sonnet) != 1 {
		t.Fatalf("answered by %q after %d primary calls", out.Model, f.up.count(sonnet))
	}
}

func TestRetryBudgetStopsRetryStorms(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1000},
		func() engine.Option { return engine.WithBudget(budget.New(0.2, -1, budget.WithClock(clock.Real))) }())
	f.up.on(sonnet, status(529))
	f.up.on(haiku, status(529))
	const callers = 50
	f.drive(func() {
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := profile(3, 0, 5*time.Second)
				engine.Run(context.Background(), f.eng, engine.Call[string]{Chain: chain, Profile: &p, Do: f.up.do})
			}()
		}
		wg.Wait()
	})
	first := 2 * callers // one first attempt per tier per caller
	retries := f.up.count(sonnet) + f.up.count(haiku) - first
	if max := int(0.2*float64(first)) + 1; retries > max {
		t.Fatalf("%d retries for %d first attempts; budget allows %d", retries, first, max)
	}
}

func TestCallerCancellationStopsAtOnce(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	ctx, cancel := context.WithCancel(context.Background())
	f.up.on(sonnet, func(engine.Attempt) (taxonomy.Result, time.Duration) {
		cancel()
		return taxonomy.Result{Err: context.Canceled}, 0
	})
	p := profile(3, 25*time.Second, 5*time.Second)
	out := engine.Run(ctx, f.eng, engine.Call[string]{Chain: chain, Profile: &p, Do: f.up.do})
	if out.Reason != engine.Canceled || f.up.count(haiku) != 0 {
		t.Fatalf("reason=%v fallback calls=%d", out.Reason, f.up.count(haiku))
	}
}

func BenchmarkRunSuccess(b *testing.B) {
	eng := engine.New()
	p := engine.Interactive()
	ok := func(context.Context, engine.Attempt) (string, taxonomy.Result) {
		return "", taxonomy.Result{Status: 200}
	}
	call := engine.Call[string]{RequestID: "req_bench", Chain: chain, Profile: &p, Do: ok}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		engine.Run(ctx, eng, call)
	}
}

type countingObserver struct {
	mu                       sync.Mutex
	attempts, retries, skips int
	fallbacks                []string
}

func (c *countingObserver) Attempted(string, int, taxonomy.Decision, time.Duration) {
	c.mu.Lock()
	c.attempts++
	c.mu.Unlock()
}
func (c *countingObserver) Retried(string, taxonomy.Class)  { c.mu.Lock(); c.retries++; c.mu.Unlock() }
func (c *countingObserver) Skipped(string, breaker.Verdict) { c.mu.Lock(); c.skips++; c.mu.Unlock() }
func (c *countingObserver) FellBack(from, to string) {
	c.mu.Lock()
	c.fallbacks = append(c.fallbacks, from+">"+to)
	c.mu.Unlock()
}

func TestARetryTheBreakerRefusesIsASkipNotARetry(t *testing.T) {
	obs := &countingObserver{}
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: time.Minute}, engine.WithObserver(obs))
	f.up.on(sonnet, status(529))
	out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
	if out.Model != haiku || f.up.count(sonnet) != 1 {
		t.Fatalf("answered by %q after %d primary calls", out.Model, f.up.count(sonnet))
	}
	if obs.retries != 0 || obs.skips != 1 || obs.attempts != 2 || len(obs.fallbacks) != 1 {
		t.Fatalf("observer saw %d retries, %d skips, %d attempts, fallbacks %v; want 0, 1, 2, one", obs.retries, obs.skips, obs.attempts, obs.fallbacks)
	}
}

func TestAFailedRunIsRateLimitedOnlyWhenEveryTierWas(t *testing.T) {
	tests := []struct {
		name        string
		haiku       func(engine.Attempt) (taxonomy.Result, time.Duration)
		rateLimited bool
		retryAfter  time.Duration
	}{
		// The primary's 30 s, counted from the run's end: the fallback's 429
		// came 10 ms after the primary's.
		{"every tier 429", status(429, "retry-after", "40"), true, 30*time.Second - 10*time.Millisecond},
		{"the fallback overloaded", status(529), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, breaker.Settings{Failures: 100})
			f.up.on(sonnet, status(429, "retry-after", "30"))
			f.up.on(haiku, tt.haiku)
			p := profile(1, 5*time.Second, time.Second)
			out := f.run(t, p)
			if out.Reason != engine.Exhausted || out.RateLimited != tt.rateLimited || out.RetryAfter != tt.retryAfter {
				t.Fatalf("reason=%v RateLimited=%v RetryAfter=%v", out.Reason, out.RateLimited, out.RetryAfter)
			}
			// The next run finds the primary cooling down: a cooldown skip
			// counts as rate limiting too.
			out = f.run(t, p)
			if out.Attempts[0].Skipped != breaker.SkipCooldown || out.RateLimited != tt.rateLimited {
				t.Fatalf("second run: %+v RateLimited=%v", out.Attempts, out.RateLimited)
			}
		})
	}
}

// BenchmarkRunFallback is the failure path with no waiting: the primary
// answers 529 once (no retry: one attempt per tier), the fallback answers.
func BenchmarkRunFallback(b *testing.B) {
	eng := engine.New(engine.WithBreakers(breaker.New(breaker.Settings{Failures: 1 << 30})))
	p := engine.Interactive()
	p.Attempts = 1
	do := func(_ context.Context, a engine.Attempt) (string, taxonomy.Result) {
		if a.Tier == 0 {
			return "", taxonomy.Result{Status: 529}
		}
		return "", taxonomy.Result{Status: 200}
	}
	call := engine.Call[string]{RequestID: "req_bench", Chain: chain, Profile: &p, Do: do}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		engine.Run(ctx, eng, call)
	}
}
