package engine_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// answerReserve is the engine's default time kept back for answering.
const answerReserve = 20 * time.Millisecond

// firstThen answers the first call with first, every later one with 200 after 10 ms.
func firstThen(first func(engine.Attempt) (taxonomy.Result, time.Duration)) func(engine.Attempt) (taxonomy.Result, time.Duration) {
	calls := 0
	return func(a engine.Attempt) (taxonomy.Result, time.Duration) {
		calls++
		if calls == 1 {
			return first(a)
		}
		return taxonomy.Result{Status: 200}, 10 * time.Millisecond
	}
}

func after(took time.Duration, f func(engine.Attempt) (taxonomy.Result, time.Duration)) func(engine.Attempt) (taxonomy.Result, time.Duration) {
	return func(a engine.Attempt) (taxonomy.Result, time.Duration) {
		r, _ := f(a)
		return r, took
	}
}

func reset(engine.Attempt) (taxonomy.Result, time.Duration) {
	return taxonomy.Result{Err: syscall.ECONNRESET}, 10 * time.Millisecond
}

func ok(took time.Duration) func(engine.Attempt) (taxonomy.Result, time.Duration) {
	return func(engine.Attempt) (taxonomy.Result, time.Duration) { return taxonomy.Result{Status: 200}, took }
}

func TestThePrimaryIsRetriedWithTheInteractiveDefaults(t *testing.T) {
	tests := []struct {
		name  string
		first func(engine.Attempt) (taxonomy.Result, time.Duration)
		// gap is the wait between the two calls (the fixture's jitter
		// draws 0.5: a 500 ms backoff).
		gap time.Duration
	}{
		{"429 retry-after 1", status(429, "retry-after", "1"), time.Second},
		{"a single 529", status(529), 500 * time.Millisecond},
		{"a connection reset", reset, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, breaker.Settings{Failures: 10})
			f.up.on(sonnet, firstThen(after(200*time.Millisecond, tt.first)))
			out := f.run(t, engine.Interactive())
			calls := f.up.calls[sonnet]
			if out.Model != sonnet || len(calls) != 2 || f.up.count(haiku) != 0 {
				t.Fatalf("answered by %q after %d primary calls, %d fallback calls; want the primary on its retry",
					out.Model, len(calls), f.up.count(haiku))
			}
			if gap := calls[1] - calls[0] - 200*time.Millisecond; gap != tt.gap {
				t.Fatalf("retried %v after the failure, want %v", gap, tt.gap)
			}
			// DESIGN §3: time left less the fallback's 8 s reserve.
			want := 25*time.Second - calls[1] - answerReserve - 8*time.Second
			if got := f.up.timeouts[sonnet][1]; got != want {
				t.Fatalf("the retry's timeout is %v, want %v", got, want)
			}
		})
	}
}

func TestDesignExampleRetryAfterOneAtTwoHundredMillisecondsRetriesWithFifteenPointEightSeconds(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10}, engine.WithReserve(0))
	f.up.on(sonnet, firstThen(after(200*time.Millisecond, status(429, "retry-after", "1"))))
	out := f.run(t, engine.Interactive())
	if out.Model != sonnet || f.up.calls[sonnet][1] != 1200*time.Millisecond || f.up.timeouts[sonnet][1] != 15800*time.Millisecond {
		t.Fatalf("answered by %q; calls at %v with timeouts %v; want a retry at 1.2 s with a 15.8 s timeout",
			out.Model, f.up.calls[sonnet], f.up.timeouts[sonnet])
	}
}

func TestAHungPrimaryIsCutToLeaveTheFallbackItsReserve(t *testing.T) {
	// DESIGN §3: Sonnet hangs → its first attempt is cut at 17 s, Haiku has 8 s.
	f := newFixture(t, breaker.Settings{Failures: 10}, engine.WithReserve(0))
	f.up.on(sonnet, hang)
	f.up.on(haiku, ok(6*time.Second))
	out := f.run(t, engine.Interactive())
	if out.Model != haiku || f.up.count(sonnet) != 1 {
		t.Fatalf("answered by %q after %d primary calls; want the fallback after one", out.Model, f.up.count(sonnet))
	}
	if got := f.up.timeouts[sonnet][0]; got != 17*time.Second {
		t.Fatalf("the primary's attempt timeout is %v, want 17s", got)
	}
	if got := f.up.timeouts[haiku][0]; got != 8*time.Second {
		t.Fatalf("the fallback's attempt timeout is %v, want 8s", got)
	}
	if out.Took != 23*time.Second {
		t.Fatalf("took %v, want 17 s + the fallback's 6 s", out.Took)
	}
}

func TestTheReserveFollowsTheFallbacksRecentLatency(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	p := engine.Interactive()
	// Ten answers from Haiku, taking 1 s .. 10 s (Sonnet's 404 sends each
	// to it at once): their p90 is 9 s.
	f.up.on(sonnet, status(404))
	for i := 1; i <= 10; i++ {
		f.up.on(haiku, ok(time.Duration(i)*time.Second))
		if out := f.run(t, p); out.Model != haiku {
			t.Fatalf("priming run %d answered by %q", i, out.Model)
		}
	}
	f.up.on(sonnet, hang)
	f.up.on(haiku, ok(time.Second))
	f.up.timeouts[sonnet] = nil
	f.run(t, p)
	if got, want := f.up.timeouts[sonnet][0], 25*time.Second-answerReserve-9*time.Second; got != want {
		t.Fatalf("the primary's attempt timeout is %v, want %v (the deadline less Haiku's p90)", got, want)
	}
}

func TestAFastFallbackLetsThePrimaryWaitOutALongerRetryAfter(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	p := engine.Interactive()
	f.up.on(sonnet, status(429, "retry-after", "15"))
	// No history: 15 s + a 2 s attempt do not fit before the 8 s default
	// reserve, so the fallback answers (in 300 ms).
	f.up.on(haiku, ok(300*time.Millisecond))
	if out := f.run(t, p); out.Model != haiku || f.up.count(sonnet) != 1 {
		t.Fatalf("without history: answered by %q after %d primary calls", out.Model, f.up.count(sonnet))
	}
	// A stream is another kind: Haiku's whole-answer latency says nothing
	// about its time to first token.
	f.fc.Advance(16 * time.Second) // past the cooldown
	stream := engine.Call[string]{Chain: chain, Profile: &p, Stream: true}
	if out := f.runCall(stream); out.Model != haiku || f.up.count(sonnet) != 2 {
		t.Fatalf("a stream, without stream history: answered by %q after %d primary calls", out.Model, f.up.count(sonnet))
	}
	// With Haiku known to answer in 300 ms, the reserve is its 2 s minimum:
	// the primary's retry after 15 s fits.
	f.fc.Advance(16 * time.Second)
	f.up.on(sonnet, firstThen(status(429, "retry-after", "15")))
	out := f.run(t, p)
	if out.Model != sonnet {
		t.Fatalf("with history: answered by %q, want the primary after its retry-after", out.Model)
	}
	calls := f.up.calls[sonnet]
	if gap := calls[len(calls)-1] - calls[len(calls)-2]; gap < 15*time.Second {
		t.Fatalf("retried after %v", gap)
	}
}

func TestARateLimitedTierIsTriedAgainWhenItsCooldownEndsInsideTheDeadline(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.eng.Breakers().Cooldown(sonnet, 5*time.Second) // an earlier request's 429
	f.up.on(haiku, status(429, "retry-after", "30"))
	out := f.run(t, engine.Interactive())
	if out.Reason != engine.Answered || out.Model != sonnet || out.Fallback {
		t.Fatalf("reason=%v model=%q fallback=%v attempts=%+v; want the primary once its cooldown ended",
			out.Reason, out.Model, out.Fallback, out.Attempts)
	}
	if got := f.up.calls[sonnet]; len(got) != 1 || got[0] < 5*time.Second {
		t.Fatalf("primary called at %v, want once, after its cooldown", got)
	}
	if f.up.count(haiku) != 1 {
		t.Fatalf("fallback called %d times, want 1", f.up.count(haiku))
	}
}

func TestACooldownThatOutlastsTheDeadlineIsNotWaitedFor(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.eng.Breakers().Cooldown(sonnet, 24*time.Second) // 24 s + a 2 s attempt > 25 s
	f.up.on(haiku, status(429, "retry-after", "30"))
	out := f.run(t, engine.Interactive())
	if out.Reason != engine.Exhausted || !out.RateLimited || f.up.count(sonnet) != 0 {
		t.Fatalf("reason=%v rateLimited=%v primary calls=%d", out.Reason, out.RateLimited, f.up.count(sonnet))
	}
	if out.Took > 50*time.Millisecond {
		t.Fatalf("took %v: the run waited for a cooldown that could not help", out.Took)
	}
}

func TestTryingATierAgainIsBoundedByItsAttemptsAndTheRetryBudget(t *testing.T) {
	t.Run("attempts", func(t *testing.T) {
		f := newFixture(t, breaker.Settings{Failures: 100})
		f.eng.Breakers().Cooldown(sonnet, 3*time.Second)
		f.up.on(sonnet, status(429, "retry-after", "3"))
		f.up.on(haiku, status(429, "retry-after", "30"))
		out := f.run(t, engine.Interactive())
		if out.Reason != engine.Exhausted || !out.RateLimited {
			t.Fatalf("reason=%v rateLimited=%v", out.Reason, out.RateLimited)
		}
		// The primary's 3 attempts, every 3 s from its cooldown's end;
		// Haiku's cooldown outlasts the deadline.
		if f.up.count(sonnet) != 3 || f.up.count(haiku) != 1 {
			t.Fatalf("calls: primary %d, fallback %d; want 3 and 1", f.up.count(sonnet), f.up.count(haiku))
		}
	})
	t.Run("retry budget", func(t *testing.T) {
		f := newFixture(t, breaker.Settings{Failures: 100}, engine.WithBudget(budget.New(-1, -1)))
		f.eng.Breakers().Cooldown(sonnet, 3*time.Second)
		f.up.on(haiku, status(429, "retry-after", "30"))
		out := f.run(t, engine.Interactive())
		if out.Reason != engine.Exhausted || f.up.count(sonnet) != 0 {
			t.Fatalf("with no retry budget: reason=%v, %d primary calls", out.Reason, f.up.count(sonnet))
		}
		// The refused revisit changes nothing: every tier was rate limited.
		if !out.RateLimited || out.RetryAfter <= 0 || out.RetryAfter > 3*time.Second {
			t.Fatalf("rateLimited=%v retryAfter=%v; want rate limited, retry after the primary's cooldown", out.RateLimited, out.RetryAfter)
		}
	})
}

func TestAFailedRunsRetryAfterIsCountedFromItsEnd(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.eng.Breakers().Cooldown(sonnet, 10*time.Second)
	f.up.on(haiku, after(time.Second, status(429, "retry-after", "30")))
	out := f.run(t, profile(1, 5*time.Second, 2*time.Second))
	if !out.RateLimited || out.RetryAfter != 9*time.Second {
		t.Fatalf("rateLimited=%v retryAfter=%v; want the primary's cooldown, 9 s after the fallback's 1 s", out.RateLimited, out.RetryAfter)
	}
}

func TestHungTiersWithNoTimeLeftForARetryEndOnTheDeadline(t *testing.T) {
	// 60 ms attempts in a 150 ms deadline: after two timeouts 10 ms are
	// left, too little for a retry. The deadline, not the models, ended it.
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.up.on(sonnet, hang)
	f.up.on(haiku, hang)
	out := f.run(t, profile(2, 150*time.Millisecond, 60*time.Millisecond))
	if out.Reason != engine.DeadlineExceeded || f.up.count(sonnet)+f.up.count(haiku) != 2 {
		t.Fatalf("reason=%v after %d calls; want deadline after 2", out.Reason, f.up.count(sonnet)+f.up.count(haiku))
	}
}

func TestFastFailuresWithNoTimeLeftForARetryAreExhaustedNotTimedOut(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 100})
	f.up.on(sonnet, status(529))
	f.up.on(haiku, status(529))
	out := f.run(t, profile(2, 150*time.Millisecond, 60*time.Millisecond))
	if out.Reason != engine.Exhausted {
		t.Fatalf("reason=%v, want exhausted", out.Reason)
	}
}
