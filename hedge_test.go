package bulwark_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestLibraryStreamWithALateFirstTokenIsAnsweredByItsHedge(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Latency: sim.Duration(3 * time.Second)})
	g := f.guard(t, bulwark.WithDeadline(10*time.Second), bulwark.WithAttemptTimeout(5*time.Second),
		bulwark.WithStreamTimeouts(5*time.Second, time.Second), bulwark.WithHedge(100*time.Millisecond, 1))
	start := time.Now()
	s := g.Stream(deadlineCtx(t), params("hello"))
	defer s.Close()
	if s.Err() != nil || s.Outcome().Model != haiku || s.Outcome().Hedges != 1 {
		t.Fatalf("stream: %v from %q with %d hedges; want the hedge on %s", s.Err(), s.Outcome().Model, s.Outcome().Hedges, haiku)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("first text after %v: the late attempt was waited for", took)
	}
	n := 0
	for s.Next() {
		n++
	}
	if s.Err() != nil || n == 0 {
		t.Fatalf("read %d events, err %v", n, s.Err())
	}
}
