package engine_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// spanKey marks the context an attempt's Do gets with the span's name.
type spanKey struct{}

// fakeTracer records the spans the engine starts and ends. Hedged
// attempts start and end while others are open, so it locks.
type fakeTracer struct {
	mu      sync.Mutex
	started []string
	ended   []string
	skipped []string
	seen    []string // the span name each Do found in its context
}

type fakeSpan struct {
	t    *fakeTracer
	name string
	once sync.Once
}

func (t *fakeTracer) StartAttempt(ctx context.Context, a engine.Attempt, s engine.AttemptStart) (context.Context, engine.AttemptSpan) {
	name := fmt.Sprintf("%s#%d from=%q hedge=%v waited=%v stream=%v", s.Deployment, a.N, s.From, s.Hedge, s.Waited, s.Stream)
	t.mu.Lock()
	t.started = append(t.started, name)
	t.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, name), &fakeSpan{t: t, name: name}
}

func (t *fakeTracer) Skipped(_ context.Context, deployment string, v breaker.Verdict) {
	t.mu.Lock()
	t.skipped = append(t.skipped, deployment+":"+v.String())
	t.mu.Unlock()
}

func (s *fakeSpan) End(rec engine.Record, res *taxonomy.Result) {
	ended := false
	s.once.Do(func() { ended = true })
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if !ended {
		s.t.ended = append(s.t.ended, "ENDED TWICE "+s.name)
		return
	}
	s.t.ended = append(s.t.ended, fmt.Sprintf("%s#%d %s status=%d took=%v", rec.Model, rec.N, rec.Class, res.Status, rec.Took))
}

// seenBy wraps do so that each attempt notes the span in its context.
func (t *fakeTracer) seenBy(do engine.AttemptFunc[string]) engine.AttemptFunc[string] {
	return func(ctx context.Context, a engine.Attempt) (string, taxonomy.Result) {
		name, _ := ctx.Value(spanKey{}).(string)
		t.mu.Lock()
		t.seen = append(t.seen, name)
		t.mu.Unlock()
		return do(ctx, a)
	}
}

func TestEveryAttemptGetsASpanThatItsDoSeesAndThatEndsOnceWithItsRecord(t *testing.T) {
	tr := &fakeTracer{}
	f := newFixture(t, breaker.Settings{Failures: 10}, engine.WithTracer(tr))
	f.up.on(sonnet, status(529))
	p := profile(2, 25*time.Second, 5*time.Second)
	out := f.runCall(engine.Call[string]{RequestID: "req_trace", Chain: chain, Profile: &p, Do: tr.seenBy(f.up.do)})
	if out.Reason != engine.Answered || out.Model != haiku {
		t.Fatalf("outcome %v by %q, want answered by %s", out.Reason, out.Model, haiku)
	}
	wantStarted := []string{
		sonnet + `#1 from="" hedge=false waited=0s stream=false`,
		sonnet + `#2 from="" hedge=false waited=50ms stream=false`,
		haiku + `#1 from="` + sonnet + `" hedge=false waited=0s stream=false`,
	}
	if !slices.Equal(tr.started, wantStarted) {
		t.Fatalf("started spans\n %q\nwant\n %q", tr.started, wantStarted)
	}
	if !slices.Equal(tr.seen, wantStarted) {
		t.Fatalf("the attempts' Do saw spans %q, want each its own: %q", tr.seen, wantStarted)
	}
	wantEnded := []string{
		sonnet + "#1 overloaded status=529 took=10ms",
		sonnet + "#2 overloaded status=529 took=10ms",
		haiku + "#1 success status=200 took=0s",
	}
	if !slices.Equal(tr.ended, wantEnded) {
		t.Fatalf("ended spans\n %q\nwant\n %q", tr.ended, wantEnded)
	}
}

func TestASkippedTierIsToldToTheTracerWithoutASpan(t *testing.T) {
	tr := &fakeTracer{}
	f := newFixture(t, breaker.Settings{Failures: 1, OpenFor: time.Minute, RecoveryProbeInterval: -1}, engine.WithTracer(tr))
	f.up.on(sonnet, status(529))
	p := profile(1, 25*time.Second, 5*time.Second)
	f.run(t, p) // opens sonnet's breaker
	tr.started, tr.ended = nil, nil
	out := f.run(t, p)
	if out.Model != haiku {
		t.Fatalf("answered by %q, want %s", out.Model, haiku)
	}
	if !slices.Equal(tr.skipped, []string{sonnet + ":skip_open"}) {
		t.Fatalf("skipped = %q, want sonnet's open breaker", tr.skipped)
	}
	if want := []string{haiku + `#1 from="` + sonnet + `" hedge=false waited=0s stream=false`}; !slices.Equal(tr.started, want) {
		t.Fatalf("started %q, want %q (no span for a skip)", tr.started, want)
	}
}

func TestACommittedStreamsSpanEndsWhenItsPendingPermitIsSettled(t *testing.T) {
	tr := &fakeTracer{}
	f := newFixture(t, breaker.Settings{Failures: 10}, engine.WithTracer(tr))
	f.up.on(sonnet, func(engine.Attempt) (taxonomy.Result, time.Duration) {
		return taxonomy.Result{Status: 200, Committed: true}, 30 * time.Millisecond
	})
	p := profile(1, 25*time.Second, 5*time.Second)
	out := f.runCall(engine.Call[string]{RequestID: "req_stream", Chain: chain, Profile: &p, Stream: true})
	if out.Pending == nil || len(tr.ended) != 0 {
		t.Fatalf("pending %v, ended %q: the committed stream's span must stay open until it is settled", out.Pending, tr.ended)
	}
	f.fc.Advance(2 * time.Second) // the stream runs on
	out.Pending.Settle(taxonomy.Result{Status: 200, TimedOut: true})
	out.Pending.Settle(taxonomy.Result{Status: 200})
	if want := []string{sonnet + "#1 timeout status=200 took=2.03s"}; !slices.Equal(tr.ended, want) {
		t.Fatalf("ended %q, want %q: once, with the whole stream's class and time", tr.ended, want)
	}
}

func TestAHedgeAndTheAttemptItHedgesHaveSpansOpenAtOnceEachEndedOnce(t *testing.T) {
	tr := &fakeTracer{}
	h := startHedged(t, hedgeProfile(), true, nil, func(u *racer) {
		u.script(sonnet, 5*time.Second, 200)
		u.script(haiku, 50*time.Millisecond, 200)
	}, engine.WithTracer(tr))
	h.step(2, 200*time.Millisecond)
	h.step(2, 50*time.Millisecond)
	out := h.outcome(t)
	if out.Model != haiku || out.Pending == nil {
		t.Fatalf("answered by %q (pending %v), want the hedge on %s", out.Model, out.Pending, haiku)
	}
	tr.mu.Lock()
	started, ended := slices.Clone(tr.started), slices.Clone(tr.ended)
	tr.mu.Unlock()
	wantStarted := []string{
		sonnet + `#1 from="" hedge=false waited=0s stream=true`,
		haiku + `#1 from="` + sonnet + `" hedge=true waited=0s stream=true`,
	}
	if !slices.Equal(started, wantStarted) {
		t.Fatalf("started %q, want %q", started, wantStarted)
	}
	if want := []string{sonnet + "#1 canceled status=0 took=250ms"}; !slices.Equal(ended, want) {
		t.Fatalf("ended before the stream's end %q, want the loser's only: %q", ended, want)
	}
	out.Pending.Settle(taxonomy.Result{Status: 200})
	if len(tr.ended) != 2 || tr.ended[1] != haiku+"#1 success status=200 took=50ms" {
		t.Fatalf("ended %q, want the winner's span ended by Settle", tr.ended)
	}
}
