package breaker

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestRecoveryDueOncePerInterval(t *testing.T) {
	const s = int64(time.Second)
	tests := []struct {
		name       string
		st         State
		since, now int64
		interval   time.Duration
		want       bool
	}{
		{"closed needs no probe", Closed, 0, 10 * s, time.Second, false},
		{"open, an interval after the last probe", Open, 0, s, time.Second, true},
		{"open, just short of the interval", Open, 0, s - 1, time.Second, false},
		{"half-open with every probe out", HalfOpen, 0, 2 * s, time.Second, true},
		{"probes off", Open, 0, 100 * s, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recoveryDue(tt.st, tt.since, tt.now, tt.interval); got != tt.want {
				t.Fatalf("recoveryDue = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAfterRecoveryClosesOnAnAnswer(t *testing.T) {
	tests := []struct {
		s    State
		e    taxonomy.Effect
		want State
	}{
		{Open, taxonomy.CountSuccess, Closed},
		{Open, taxonomy.Neutral, Closed},
		{Open, taxonomy.CountFailure, Open},
		{HalfOpen, taxonomy.CountSuccess, Closed},
		{HalfOpen, taxonomy.CountFailure, Open},
		{Closed, taxonomy.CountFailure, Closed},
	}
	for _, tt := range tests {
		if got := afterRecovery(tt.s, tt.e); got != tt.want {
			t.Errorf("afterRecovery(%v, %v) = %v, want %v", tt.s, tt.e, got, tt.want)
		}
	}
}

func TestARecoveryProbeThatSucceedsClosesTheBreaker(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 30 * time.Second})
	f.open()
	f.wantChanges("closed>open")
	if _, ok := f.r.AcquireRecovery(model); ok {
		t.Fatal("a probe was given at the moment the breaker opened")
	}
	f.clk.Advance(time.Second)
	p, ok := f.r.AcquireRecovery(model)
	if !ok || !p.Recovery() {
		t.Fatalf("no recovery probe a second after opening (ok=%v)", ok)
	}
	if _, ok := f.r.AcquireRecovery(model); ok {
		t.Fatal("a second probe was given in the same interval")
	}
	p.Done(taxonomy.CountSuccess)
	f.wantState(Closed)
	f.wantChanges("open>closed")
}

func TestARecoveryProbeThatFailsLeavesTheBreakerOpenForItsTime(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 5 * time.Second})
	f.open()
	f.clk.Advance(time.Second)
	p, ok := f.r.AcquireRecovery(model)
	if !ok {
		t.Fatal("no recovery probe")
	}
	p.Done(taxonomy.CountFailure)
	f.wantState(Open)
	f.clk.Advance(time.Second)
	if _, ok := f.r.AcquireRecovery(model); !ok {
		t.Fatal("no probe an interval after the failed one")
	}
	f.clk.Advance(3 * time.Second) // 5 s after opening: OpenFor was not extended
	f.wantState(HalfOpen)
}

func TestNoRecoveryProbeDuringACooldownOrForAClosedBreaker(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2})
	if _, ok := f.r.AcquireRecovery(model); ok {
		t.Fatal("a probe for a closed breaker")
	}
	f.open()
	f.r.Cooldown(model, 10*time.Second)
	f.clk.Advance(2 * time.Second)
	if _, ok := f.r.AcquireRecovery(model); ok {
		t.Fatal("a probe during a cooldown")
	}
	f.clk.Advance(9 * time.Second)
	if _, ok := f.r.AcquireRecovery(model); !ok {
		t.Fatal("no probe once the cooldown passed")
	}
}

func TestARecoveryProbeOfAnEarlierEpochCountsNothing(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 2 * time.Second})
	f.open()
	f.clk.Advance(time.Second)
	p, _ := f.r.AcquireRecovery(model)
	f.clk.Advance(time.Second) // half-open now: a new epoch
	f.wantState(HalfOpen)
	p.Done(taxonomy.CountFailure)
	f.wantState(HalfOpen)
}

func TestNextChanceIsTheSoonestWayThrough(t *testing.T) {
	const s = int64(time.Second)
	tests := []struct {
		name string
		c    chance
		want time.Duration
		ok   bool
	}{
		{"closed: now", chance{state: Closed, now: 5 * s}, 0, true},
		{"closed in cooldown: its end", chance{state: Closed, now: 5 * s, cooldown: 7 * s}, 2 * time.Second, true},
		{"open: the next recovery probe", chance{state: Open, now: 5 * s, openUntil: 30 * s, probedAt: 4 * s, interval: time.Second}, 0, true},
		{"open: a probe due later", chance{state: Open, now: 5 * s, openUntil: 30 * s, probedAt: 5 * s, interval: time.Second}, time.Second, true},
		{"open, probes off: its end", chance{state: Open, now: 5 * s, openUntil: 8 * s, interval: -1}, 3 * time.Second, true},
		{"open: a cooldown is waited in full", chance{state: Open, now: 5 * s, openUntil: 6 * s, probedAt: 5 * s, interval: time.Second, cooldown: 9 * s}, 4 * time.Second, true},
		{"half-open with a probe free: now", chance{state: HalfOpen, now: 5 * s, maxProbes: 1}, 0, true},
		{"half-open, probes out: the next recovery probe", chance{state: HalfOpen, now: 5 * s, probes: 1, maxProbes: 1, probedAt: 5 * s, interval: time.Second}, time.Second, true},
		{"half-open, probes out and off: no telling", chance{state: HalfOpen, now: 5 * s, probes: 1, maxProbes: 1, interval: -1}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := nextChance(tt.c); got != tt.want || ok != tt.ok {
				t.Fatalf("nextChance = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNextChanceFollowsTheBreaker(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 30 * time.Second})
	if d, ok := f.r.NextChance(model); d != 0 || !ok {
		t.Fatalf("closed: %v, %v", d, ok)
	}
	f.open()
	if d, _ := f.r.NextChance(model); d != time.Second {
		t.Fatalf("just opened: %v, want the first probe in 1s", d)
	}
}

func TestClosedIsSignalledWhenABreakerCloses(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 30 * time.Second})
	f.open()
	ch := f.r.Closed()
	f.clk.Advance(time.Second)
	p, _ := f.r.AcquireRecovery(model)
	select {
	case <-ch:
		t.Fatal("signalled before any breaker closed")
	default:
	}
	p.Done(taxonomy.CountSuccess)
	select {
	case <-ch:
	default:
		t.Fatal("not signalled when the probe closed the breaker")
	}
	select {
	case <-f.r.Closed():
		t.Fatal("the next channel is already closed")
	default:
	}
}
