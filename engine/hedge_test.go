package engine_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// racer is a fake streaming upstream for hedged runs: each attempt waits on
// the fake clock for its deployment's first token (then commits, or fails
// with its status) unless its context is cancelled first, so that attempts
// in flight at once behave as real ones do.
type racer struct {
	fc *clock.Fake
	mu sync.Mutex
	// ttft and status script each deployment: its time to the first token
	// (or to its failure) and its status (200 commits).
	ttft     map[string]time.Duration
	status   map[string]int
	calls    map[string]int
	canceled map[string]int
	dropped  []string
}

func newRacer(fc *clock.Fake) *racer {
	return &racer{fc: fc, ttft: map[string]time.Duration{}, status: map[string]int{},
		calls: map[string]int{}, canceled: map[string]int{}}
}

func (u *racer) script(model string, ttft time.Duration, status int) {
	u.ttft[model], u.status[model] = ttft, status
}

func (u *racer) do(ctx context.Context, a engine.Attempt) (string, taxonomy.Result) {
	key := engine.Deployment(a.Model, a.Upstream)
	u.mu.Lock()
	u.calls[key]++
	ttft, st := u.ttft[key], u.status[key]
	u.mu.Unlock()
	name := key + "#" + strconv.Itoa(a.N)
	t := u.fc.NewTimer(min(ttft, a.Timeout))
	select {
	case <-t.C():
		if ttft > a.Timeout {
			return name, taxonomy.Result{TimedOut: true}
		}
		return name, taxonomy.Result{Status: st, Committed: st == 200}
	case <-ctx.Done():
		t.Stop()
		u.mu.Lock()
		u.canceled[key]++
		u.mu.Unlock()
		return name, taxonomy.Result{Canceled: true, Err: ctx.Err()}
	}
}

func (u *racer) discard(name string) {
	u.mu.Lock()
	u.dropped = append(u.dropped, name)
	u.mu.Unlock()
}

// hedgeObserver records the hedges the engine reports.
type hedgeObserver struct {
	countingObserver
	mu      sync.Mutex
	hedged  []string
	settled []string
}

func (o *hedgeObserver) Hedged(from, to string) {
	o.mu.Lock()
	o.hedged = append(o.hedged, from+"->"+to)
	o.mu.Unlock()
}

func (o *hedgeObserver) HedgeSettled(winner string, hedge bool) {
	o.mu.Lock()
	o.settled = append(o.settled, winner+" hedge="+strconv.FormatBool(hedge))
	o.mu.Unlock()
}

// hedgeProfile hedges one stream attempt after 200 ms.
func hedgeProfile() engine.Profile {
	p := profile(1, 30*time.Second, 10*time.Second)
	p.FallbackReserve, p.MinFallbackReserve, p.MinAttempt = time.Second, time.Second, 100*time.Millisecond
	p.Hedge = engine.Hedge{Max: 1, After: 200 * time.Millisecond}
	return p
}

type hedgeRun struct {
	fc   *clock.Fake
	up   *racer
	obs  *hedgeObserver
	eng  *engine.Engine
	done chan engine.Outcome[string]
}

func startHedged(t *testing.T, p engine.Profile, stream bool, b *budget.Budget, script func(*racer), opts ...engine.Option) *hedgeRun {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	if b == nil {
		b = budget.New(1, 100, budget.WithClock(fc))
	}
	h := &hedgeRun{fc: fc, up: newRacer(fc), obs: &hedgeObserver{}, done: make(chan engine.Outcome[string], 1)}
	script(h.up)
	h.eng = engine.New(append([]engine.Option{engine.WithClock(fc), engine.WithBreakers(breaker.New(breaker.Settings{}, breaker.WithClock(fc))),
		engine.WithBudget(b), engine.WithObserver(h.obs), engine.WithRand(func() float64 { return 0.5 })}, opts...)...)
	go func() {
		h.done <- engine.Run(context.Background(), h.eng, engine.Call[string]{RequestID: "req_hedge", Chain: chain,
			Profile: &p, Stream: stream, Do: h.up.do, Discard: h.up.discard})
	}()
	return h
}

// step waits until n timers are pending, then moves the clock by d.
func (h *hedgeRun) step(n int, d time.Duration) {
	h.fc.WaitForTimers(n)
	h.fc.Advance(d)
}

func (h *hedgeRun) outcome(t *testing.T) engine.Outcome[string] {
	t.Helper()
	select {
	case out := <-h.done:
		return out
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not end")
		return engine.Outcome[string]{}
	}
}

func TestALateFirstTokenIsHedgedOnTheNextTierAndTheFirstToCommitAnswers(t *testing.T) {
	h := startHedged(t, hedgeProfile(), true, nil, func(u *racer) {
		u.script(sonnet, 5*time.Second, 200) // a brownout: its first token is 5 s late
		u.script(haiku, 50*time.Millisecond, 200)
	})
	h.step(2, 200*time.Millisecond) // the primary's call and the hedge's timer
	h.step(2, 50*time.Millisecond)  // the primary's call and the hedge's
	out := h.outcome(t)
	if out.Reason != engine.Answered || out.Model != haiku || out.Answer != haiku+"#1" || !out.Fallback {
		t.Fatalf("outcome = %v by %q (%q), fallback %v; want answered by the hedge on %s", out.Reason, out.Model, out.Answer, out.Fallback, haiku)
	}
	if out.Took != 250*time.Millisecond {
		t.Fatalf("took %v, want 250ms (200 ms hedge delay + the hedge's 50 ms first token)", out.Took)
	}
	if out.Hedges != 1 || out.Pending == nil {
		t.Fatalf("hedges = %d, pending = %v; want 1 and the winner's permit pending", out.Hedges, out.Pending)
	}
	out.Pending.Settle(taxonomy.Result{Status: 200})
	if h.up.canceled[sonnet] != 1 || !slices.Equal(h.up.dropped, []string{sonnet + "#1"}) {
		t.Fatalf("the loser was cancelled %d times and the payloads dropped are %v; want it cancelled once and dropped",
			h.up.canceled[sonnet], h.up.dropped)
	}
	var classes []string
	for _, a := range out.Attempts {
		classes = append(classes, a.Model+":"+a.Class.String()+":hedge="+strconv.FormatBool(a.Hedge))
	}
	want := []string{haiku + ":success:hedge=true", sonnet + ":canceled:hedge=false"}
	if !slices.Equal(classes, want) {
		t.Fatalf("attempts = %v, want %v", classes, want)
	}
	if !slices.Equal(h.obs.hedged, []string{sonnet + "->" + haiku}) || !slices.Equal(h.obs.settled, []string{haiku + " hedge=true"}) {
		t.Fatalf("observer heard hedged %v, settled %v", h.obs.hedged, h.obs.settled)
	}
	if st := h.eng.Breakers().State(sonnet); st != breaker.Closed {
		t.Fatalf("the cancelled loser's breaker is %v: a cancelled attempt must count for nothing", st)
	}
}

func TestAFirstTokenInTimeSendsNoHedge(t *testing.T) {
	h := startHedged(t, hedgeProfile(), true, nil, func(u *racer) {
		u.script(sonnet, 150*time.Millisecond, 200)
	})
	h.step(2, 150*time.Millisecond)
	out := h.outcome(t)
	if out.Model != sonnet || out.Hedges != 0 || h.up.calls[haiku] != 0 || len(h.obs.settled) != 0 {
		t.Fatalf("answered by %q with %d hedges, %d calls to %s; want the primary alone", out.Model, out.Hedges, h.up.calls[haiku], haiku)
	}
	if h.fc.Pending() != 0 {
		t.Fatalf("%d timers left pending: the hedge timer must be stopped", h.fc.Pending())
	}
}

func TestAFailedHedgeLeavesTheRaceToTheAttemptItHedged(t *testing.T) {
	h := startHedged(t, hedgeProfile(), true, nil, func(u *racer) {
		u.script(sonnet, time.Second, 200)
		u.script(haiku, 50*time.Millisecond, 529)
	})
	h.step(2, 200*time.Millisecond)
	h.step(2, 50*time.Millisecond) // the hedge fails
	h.step(1, 750*time.Millisecond)
	out := h.outcome(t)
	if out.Model != sonnet || out.Answer != sonnet+"#1" || out.Fallback || out.Took != time.Second {
		t.Fatalf("answered by %q (%q) after %v; want the primary's late answer after 1s", out.Model, out.Answer, out.Took)
	}
	if !slices.Equal(h.up.dropped, []string{haiku + "#1"}) {
		t.Fatalf("dropped %v, want the failed hedge's payload", h.up.dropped)
	}
	if !slices.Equal(h.obs.settled, []string{sonnet + " hedge=false"}) {
		t.Fatalf("settled %v", h.obs.settled)
	}
}

func TestAPrimaryThatFailsWhileItsHedgeIsOutLetsTheHedgeAnswer(t *testing.T) {
	h := startHedged(t, hedgeProfile(), true, nil, func(u *racer) {
		u.script(sonnet, 300*time.Millisecond, 500)
		u.script(haiku, 200*time.Millisecond, 200)
	})
	h.step(2, 200*time.Millisecond)
	h.step(2, 100*time.Millisecond) // the primary fails
	h.step(1, 100*time.Millisecond)
	out := h.outcome(t)
	if out.Model != haiku || out.Took != 400*time.Millisecond || h.up.calls[haiku] != 1 || h.up.calls[sonnet] != 1 {
		t.Fatalf("answered by %q after %v with calls %v; want the hedge after 400ms and no other call", out.Model, out.Took, h.up.calls)
	}
	// The primary's error payload was kept until the hedge answered, then
	// replaced by it and discarded.
	if !slices.Equal(h.up.dropped, []string{sonnet + "#1"}) {
		t.Fatalf("dropped %v", h.up.dropped)
	}
}

func TestAHedgeIsPaidForByTheRetryBudget(t *testing.T) {
	fc := clock.NewFake(time.Now())
	empty := budget.New(-1, -1, budget.WithClock(fc))
	h := startHedged(t, hedgeProfile(), true, empty, func(u *racer) {
		u.script(sonnet, time.Second, 200)
	})
	h.step(2, 200*time.Millisecond)
	h.step(1, 800*time.Millisecond)
	out := h.outcome(t)
	if out.Model != sonnet || out.Hedges != 0 || h.up.calls[haiku] != 0 {
		t.Fatalf("answered by %q with %d hedges: an empty retry budget must send none", out.Model, out.Hedges)
	}
}

func TestWholeAnswersAreNeverHedged(t *testing.T) {
	h := startHedged(t, hedgeProfile(), false, nil, func(u *racer) {
		u.script(sonnet, time.Second, 200)
	})
	h.step(1, time.Second)
	out := h.outcome(t)
	if out.Model != sonnet || out.Hedges != 0 || h.up.calls[haiku] != 0 {
		t.Fatalf("a whole answer was hedged: %q, %d hedges", out.Model, out.Hedges)
	}
}

func TestAHedgeSkipsATierWhoseBreakerIsOpen(t *testing.T) {
	p := hedgeProfile()
	three := engine.Chain{Models: []string{sonnet, haiku, "claude-opus-5"}, Static: true}
	fc := clock.NewFake(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	up := newRacer(fc)
	up.script(sonnet, 5*time.Second, 200)
	up.script("claude-opus-5", 10*time.Millisecond, 200)
	br := breaker.New(breaker.Settings{}, breaker.WithClock(fc))
	br.Force(haiku, fc.Now().Add(time.Minute))
	eng := engine.New(engine.WithClock(fc), engine.WithBreakers(br), engine.WithBudget(budget.New(1, 100, budget.WithClock(fc))))
	done := make(chan engine.Outcome[string], 1)
	go func() {
		done <- engine.Run(context.Background(), eng, engine.Call[string]{Chain: three, Profile: &p, Stream: true, Do: up.do})
	}()
	fc.WaitForTimers(2)
	fc.Advance(200 * time.Millisecond)
	fc.WaitForTimers(2)
	fc.Advance(10 * time.Millisecond)
	out := <-done
	if out.Model != "claude-opus-5" || up.calls[haiku] != 0 {
		t.Fatalf("answered by %q, calls %v; want the hedge on the tier after the open one", out.Model, up.calls)
	}
}

func TestAHedgeAtP95WaitsForTheDeploymentsRecentP95TimeToFirstToken(t *testing.T) {
	p := hedgeProfile()
	p.Hedge.After = 0 // the p95
	fc := clock.NewFake(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	up := newRacer(fc)
	eng := engine.New(engine.WithClock(fc), engine.WithBreakers(breaker.New(breaker.Settings{}, breaker.WithClock(fc))),
		engine.WithBudget(budget.New(1, 100, budget.WithClock(fc))))
	run := func(ttft time.Duration, steps ...time.Duration) engine.Outcome[string] {
		up.script(sonnet, ttft, 200)
		up.script(haiku, 50*time.Millisecond, 200)
		done := make(chan engine.Outcome[string], 1)
		go func() {
			done <- engine.Run(context.Background(), eng, engine.Call[string]{Chain: chain, Profile: &p, Stream: true, Do: up.do})
		}()
		for _, d := range steps {
			fc.WaitForTimers(2)
			fc.Advance(d)
		}
		return <-done
	}
	// Before any measured stream the hedge waits DefaultHedgeAfter (2 s):
	// a first token at 400 ms is not hedged, and is measured; so are the
	// quicker ones after it (under the p95 it set).
	if out := run(400*time.Millisecond, 400*time.Millisecond); out.Model != sonnet || out.Hedges != 0 {
		t.Fatalf("a 400 ms first token before any measure: %q, %d hedges", out.Model, out.Hedges)
	}
	for range 9 {
		if out := run(200*time.Millisecond, 200*time.Millisecond); out.Model != sonnet || out.Hedges != 0 {
			t.Fatalf("a 200 ms first token under the p95: %q, %d hedges", out.Model, out.Hedges)
		}
	}
	// Now the p95 is 400 ms: a first token 5 s late is hedged at 400 ms.
	out := run(5*time.Second, 400*time.Millisecond, 50*time.Millisecond)
	if out.Model != haiku || out.Hedges != 1 || out.Took != 450*time.Millisecond {
		t.Fatalf("a late first token after the p95 was learnt: %q, %d hedges, took %v; want the hedge at 400 ms", out.Model, out.Hedges, out.Took)
	}
}

func TestAHalfOpenProbeThatLosesAHedgeRaceLeavesTheBreakerHalfOpen(t *testing.T) {
	p := hedgeProfile()
	fc := clock.NewFake(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	up := newRacer(fc)
	up.script(sonnet, 5*time.Second, 200)
	up.script(haiku, 50*time.Millisecond, 200)
	br := breaker.New(breaker.Settings{HalfOpenProbes: 1}, breaker.WithClock(fc))
	br.Force(sonnet, fc.Now().Add(time.Second))
	fc.Advance(time.Second) // open_for over: the next request is the probe
	eng := engine.New(engine.WithClock(fc), engine.WithBreakers(br), engine.WithBudget(budget.New(1, 100, budget.WithClock(fc))))
	done := make(chan engine.Outcome[string], 1)
	go func() {
		done <- engine.Run(context.Background(), eng, engine.Call[string]{Chain: chain, Profile: &p, Stream: true, Do: up.do})
	}()
	fc.WaitForTimers(2)
	fc.Advance(200 * time.Millisecond)
	fc.WaitForTimers(2)
	fc.Advance(50 * time.Millisecond)
	if out := <-done; out.Model != haiku {
		t.Fatalf("answered by %q, want the hedge", out.Model)
	}
	// The probe was cancelled: it said nothing of the model, so the breaker
	// neither closed nor reopened, and the next request may probe.
	if st := br.State(sonnet); st != breaker.HalfOpen {
		t.Fatalf("breaker %v after its probe lost a hedge race, want half_open", st)
	}
	if _, v := br.Acquire(sonnet); v != breaker.Allow {
		t.Fatalf("Acquire = %v: the cancelled probe's place was not freed", v)
	}
}
