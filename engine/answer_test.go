package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestTheOutcomeCarriesTheAnsweringPayloadAndEveryOtherIsDiscarded(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	f.up.on(sonnet, status(529))
	var discarded []string
	p := profile(2, 25*time.Second, 5*time.Second)
	out := f.runCall(engine.Call[string]{Chain: chain, Profile: &p, Discard: func(s string) { discarded = append(discarded, s) }})
	if out.Reason != engine.Answered || out.Answer != haiku+"#1" {
		t.Fatalf("reason %v, answer %q; want the fallback's payload %q", out.Reason, out.Answer, haiku+"#1")
	}
	if want := []string{sonnet + "#1", sonnet + "#2"}; !slices.Equal(discarded, want) {
		t.Fatalf("discarded %q, want the failed attempts' %q", discarded, want)
	}
}

func TestAFailedRunCarriesTheLastPayloadAnAttemptReturned(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 10})
	// The primary answers 503 with a body, then its retry gets no answer at
	// all (a zero payload): the 503 stays the run's latest payload.
	do := func(_ context.Context, a engine.Attempt) (string, taxonomy.Result) {
		f.fc.Advance(10 * time.Millisecond)
		if a.N == 1 {
			return "503 body", taxonomy.Result{Status: 503}
		}
		return "", taxonomy.Result{Err: context.DeadlineExceeded, TimedOut: true}
	}
	var discarded []string
	p := profile(2, 25*time.Second, 5*time.Second)
	one := engine.Chain{Models: []string{sonnet}}
	out := f.runCall(engine.Call[string]{Chain: one, Profile: &p, Do: do, Discard: func(s string) { discarded = append(discarded, s) }})
	if out.Reason != engine.Exhausted || out.Answer != "503 body" || len(discarded) != 0 {
		t.Fatalf("reason %v, answer %q, discarded %q; want exhausted with the 503's payload kept, none discarded",
			out.Reason, out.Answer, discarded)
	}
}
