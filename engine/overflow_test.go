package engine_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func tooLong(engine.Attempt) (taxonomy.Result, time.Duration) {
	return taxonomy.Result{Status: 400, ErrorType: "invalid_request_error",
		Message: "prompt is too long: 209353 tokens > 200000 maximum"}, 10 * time.Millisecond
}

func TestAContextOverflowGoesToTheNextLargerWindow(t *testing.T) {
	const small, same, large = "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-6"
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(small, tooLong)
	c := engine.Chain{Models: []string{small, same, large}, Static: true}
	p := profile(3, 25*time.Second, 5*time.Second)
	out := f.runCall(engine.Call[string]{Chain: c, Profile: &p})
	if out.Reason != engine.Answered || out.Model != large {
		t.Fatalf("%v by %q, want answered by %s (1M)", out.Reason, out.Model, large)
	}
	if f.up.count(small) != 1 || f.up.count(same) != 0 {
		t.Fatalf("calls: %s %d (want 1: no retry), %s %d (want 0: no larger window)", small, f.up.count(small), same, f.up.count(same))
	}
}

func TestAContextOverflowWithNoLargerWindowGoesToTheCaller(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(sonnet, tooLong)
	p := profile(3, 25*time.Second, 5*time.Second)
	out := f.run(t, p) // sonnet-5-5 then haiku-5-5: both 1M
	if out.Reason != engine.Rejected || out.Last.Class != taxonomy.ContextOverflow || out.Answer != sonnet+"#1" {
		t.Fatalf("%v (%v), answer %q; want rejected with the 400 passed back", out.Reason, out.Last.Class, out.Answer)
	}
	if f.up.count(haiku) != 0 {
		t.Fatal("a tier with no larger window was tried")
	}
	if out.Last.User != taxonomy.CountFailure {
		t.Fatal("an overflow nobody could take counts against the user, as a 400 does")
	}
}

func TestAContextOverflowTrustsTheInjectedWindows(t *testing.T) {
	windows := map[string]int{sonnet: 200_000, haiku: 500_000}
	f := newFixture(t, breaker.Settings{Failures: 10}, engine.WithContextWindows(func(m string) (int, bool) {
		n, ok := windows[m]
		return n, ok
	}))
	f.up.on(sonnet, tooLong)
	out := f.run(t, profile(3, 25*time.Second, 5*time.Second))
	if out.Model != haiku {
		t.Fatalf("answered by %q, want %s (500k > 200k)", out.Model, haiku)
	}
}
