package breaker

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestBreakerOpensAfterFailuresWithinWindow(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		outcomes []taxonomy.Effect
		want     State
	}{
		{"one short of the threshold stays closed", 3,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.CountFailure}, Closed},
		{"threshold reached opens", 3,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.CountFailure, taxonomy.CountFailure}, Open},
		{"successes in between do not reset the count", 3,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.CountSuccess, taxonomy.CountFailure,
				taxonomy.CountSuccess, taxonomy.CountFailure}, Open},
		{"neutral outcomes do not count", 3,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.Neutral, taxonomy.Neutral, taxonomy.Neutral,
				taxonomy.CountFailure, taxonomy.Neutral}, Closed},
		{"default threshold is 5", 0,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.CountFailure, taxonomy.CountFailure,
				taxonomy.CountFailure}, Closed},
		{"default threshold of 5 reached", 0,
			[]taxonomy.Effect{taxonomy.CountFailure, taxonomy.CountFailure, taxonomy.CountFailure,
				taxonomy.CountFailure, taxonomy.CountFailure}, Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Settings{Failures: tt.failures})
			for _, e := range tt.outcomes {
				if v := f.r.Allow(model); v != Allow {
					t.Fatalf("Allow = %v before the outcomes ran out", v)
				}
				f.r.Record(model, e)
			}
			f.wantState(tt.want)
		})
	}
}

func TestRateModeOpensOnFailureRatioOverMinimumRequests(t *testing.T) {
	tests := []struct {
		name     string
		outcomes string // s = success, f = failure, n = neutral
		want     State
	}{
		{"below the minimum of requests", "fff", Closed},
		{"half failed over 4 requests opens", "sfsf", Open},
		{"a quarter failed stays closed", "sssf", Closed},
		{"neutral outcomes are not requests", "fnnnfn", Closed},
		{"all failed opens at the minimum", "ffff", Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Settings{FailureRatio: 0.5, MinRequests: 4})
			for _, c := range tt.outcomes {
				if v := f.r.Allow(model); v != Allow {
					t.Fatalf("Allow = %v before the outcomes ran out", v)
				}
				f.r.Record(model, map[rune]taxonomy.Effect{
					's': taxonomy.CountSuccess, 'f': taxonomy.CountFailure, 'n': taxonomy.Neutral}[c])
			}
			f.wantState(tt.want)
		})
	}
}

func TestOpenBreakerSkipsUntilOpenForPasses(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 10 * time.Second})
	f.open()
	f.wantChanges("closed>open")
	for range 3 {
		if v := f.r.Allow(model); v != SkipOpen {
			t.Fatalf("Allow = %v while open, want skip_open", v)
		}
	}
	f.clk.Advance(10*time.Second - time.Nanosecond)
	if v := f.r.Allow(model); v != SkipOpen {
		t.Fatalf("Allow = %v 1ns before OpenFor, want skip_open", v)
	}
	f.clk.Advance(time.Nanosecond)
	p, v := f.r.Acquire(model)
	if v != Allow || !p.Probe() {
		t.Fatalf("Acquire after OpenFor = %v (probe %v), want a probe", v, p.Probe())
	}
	f.wantChanges("open>half_open")
	if v := f.r.Allow(model); v != SkipOpen {
		t.Fatalf("second Allow in half-open = %v, want skip_open", v)
	}
}

func TestHalfOpenLetsExactlyHalfOpenProbesThroughAtATime(t *testing.T) {
	for _, k := range []int{1, 2, 3, 5} {
		t.Run(string(rune('0'+k))+" probes", func(t *testing.T) {
			f := newFixture(t, Settings{Failures: 1, HalfOpenProbes: k})
			f.halfOpen()
			var probes []Permit
			for i := range k + 3 {
				p, v := f.r.Acquire(model)
				if i < k {
					if v != Allow || !p.Probe() {
						t.Fatalf("Acquire #%d = %v (probe %v), want a probe", i+1, v, p.Probe())
					}
					probes = append(probes, p)
				} else if v != SkipOpen {
					t.Fatalf("Acquire #%d = %v, want skip_open: only %d probes at a time", i+1, v, k)
				}
			}
			// Each success gives its slot back until k successes close the breaker.
			for i, p := range probes {
				p.Done(taxonomy.CountSuccess)
				if i < k-1 {
					f.wantState(HalfOpen)
					q, v := f.r.Acquire(model)
					if v != Allow || !q.Probe() {
						t.Fatalf("after %d successes: Acquire = %v, want the freed probe slot", i+1, v)
					}
					if v := f.r.Allow(model); v != SkipOpen {
						t.Fatalf("after %d successes: second Acquire = %v, want skip_open", i+1, v)
					}
					defer q.Done(taxonomy.Neutral) // stale once closed: must not disturb
				}
			}
			f.wantState(Closed)
			f.wantChanges("closed>open", "open>half_open", "half_open>closed")
		})
	}
}

func TestProbeOutcomeDecidesTheState(t *testing.T) {
	tests := []struct {
		name string
		eff  taxonomy.Effect
		want State
	}{
		{"success closes", taxonomy.CountSuccess, Closed},
		{"neutral means the model answered: closes", taxonomy.Neutral, Closed},
		{"failure opens again", taxonomy.CountFailure, Open},
	}
	for _, tt := range tests {
		for _, withPermit := range []bool{true, false} {
			name := tt.name + map[bool]string{true: " (Permit.Done)", false: " (Record)"}[withPermit]
			t.Run(name, func(t *testing.T) {
				f := newFixture(t, Settings{Failures: 1, OpenFor: 5 * time.Second})
				f.halfOpen()
				if withPermit {
					p, _ := f.r.Acquire(model)
					p.Done(tt.eff)
				} else {
					f.r.Allow(model)
					f.r.Record(model, tt.eff)
				}
				f.wantState(tt.want)
				if tt.want == Open {
					// Open again for a full OpenFor from the failed probe.
					f.clk.Advance(5*time.Second - time.Nanosecond)
					f.wantState(Open)
					f.clk.Advance(time.Nanosecond)
					f.wantState(HalfOpen)
				}
			})
		}
	}
}

func TestOneFailedProbeOfSeveralReopens(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1, HalfOpenProbes: 3})
	f.halfOpen()
	p1, _ := f.r.Acquire(model)
	p2, _ := f.r.Acquire(model)
	p1.Done(taxonomy.CountSuccess)
	p2.Done(taxonomy.CountFailure)
	f.wantState(Open)
}

func TestStaleResultsDoNotReleaseProbes(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2})
	slow, _ := f.r.Acquire(model) // let through while closed; comes back late
	f.open()
	f.clk.Advance(f.r.Settings().OpenFor)
	probe, v := f.r.Acquire(model)
	if v != Allow || !probe.Probe() {
		t.Fatalf("Acquire = %v, want a probe", v)
	}

	slow.Done(taxonomy.CountSuccess) // must not count as the probe's success
	f.wantState(HalfOpen)
	if v := f.r.Allow(model); v != SkipOpen {
		t.Fatalf("Allow = %v after a stale success, want skip_open (no permit freed)", v)
	}
	slow.Done(taxonomy.CountFailure) // nor reopen it
	f.wantState(HalfOpen)

	probe.Done(taxonomy.CountSuccess)
	f.wantState(Closed)
	probe.Done(taxonomy.CountFailure) // a duplicate after close counts like any closed failure
	f.wantState(Closed)
}

func TestProbeOfAnEarlierHalfOpenPeriodIsStale(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	f.halfOpen()
	old, _ := f.r.Acquire(model)
	f.r.Force(model, t0.Add(time.Hour)) // reopened while the probe is out
	f.clk.Set(t0.Add(time.Hour))
	probe, v := f.r.Acquire(model)
	if v != Allow {
		t.Fatalf("Acquire = %v, want a new probe", v)
	}
	old.Done(taxonomy.CountFailure)
	f.wantState(HalfOpen)
	probe.Done(taxonomy.CountSuccess)
	f.wantState(Closed)
}

func TestRecordWithoutProbesOutIsIgnoredInHalfOpen(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	f.halfOpen()
	f.wantState(HalfOpen)
	f.r.Record(model, taxonomy.CountFailure) // no probe is out: a stale result
	f.wantState(HalfOpen)
	if f.r.Allow(model) != Allow {
		t.Fatal("the probe slot should still be free")
	}
	f.r.Record(model, taxonomy.CountSuccess)
	f.wantState(Closed)
}

func TestResultsWhileOpenAreIgnored(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	p, _ := f.r.Acquire(model)
	f.open()
	p.Done(taxonomy.CountSuccess)
	f.r.Record(model, taxonomy.CountSuccess)
	f.wantState(Open)
	f.wantChanges("closed>open")
}

func TestNeutralInClosedDoesNotCountAndSkipsNothing(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2})
	f.fail(1)
	for range 100 {
		p, v := f.r.Acquire(model)
		if v != Allow || p.Probe() {
			t.Fatalf("Acquire = %v (probe %v) while closed", v, p.Probe())
		}
		p.Done(taxonomy.Neutral)
	}
	f.wantState(Closed)
	f.fail(1)
	f.wantState(Open)
}

func TestUnknownModelsCostNothingUntilTheyCount(t *testing.T) {
	f := newFixture(t, Settings{})
	if v := f.r.Allow("no-such-model"); v != Allow {
		t.Fatalf("Allow = %v", v)
	}
	f.r.Record("no-such-model", taxonomy.Neutral) // e.g. a 404
	p, _ := f.r.Acquire("typo-model")
	p.Done(taxonomy.Neutral)
	if s := f.r.State("no-such-model"); s != Closed {
		t.Fatalf("State = %v", s)
	}
	f.r.Record("fine-model", taxonomy.CountSuccess) // count mode: a success changes nothing
	if n := f.r.others.Len(); n != 0 {
		t.Fatalf("%d unconfigured models hold state, want none", n)
	}
	p, _ = f.r.Acquire("late")
	p.Done(taxonomy.CountFailure)
	if snap := f.r.Snapshot(); len(snap) != 2 || snap[0].Model != model || snap[1].Model != "late" || snap[1].Failures != 1 {
		t.Fatalf("Snapshot = %+v, want the configured model and late (1 failure)", snap)
	}
	Permit{}.Done(taxonomy.CountFailure) // the zero Permit does nothing
}

func TestOnChangeReportsEachTransitionOnce(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1, OpenFor: time.Second})
	f.open()
	f.clk.Advance(time.Second)
	f.r.Allow(model)
	f.r.Record(model, taxonomy.CountFailure)
	f.clk.Advance(time.Second)
	f.r.State(model)
	f.r.State(model)
	f.r.Snapshot()
	f.r.Allow(model)
	f.r.Record(model, taxonomy.CountSuccess)
	f.r.State(model)
	f.wantChanges("closed>open", "open>half_open", "half_open>open", "open>half_open", "half_open>closed")
}

func TestChangeCarriesModelAndTime(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	f.clk.Advance(time.Minute)
	f.open()
	f.ch.mu.Lock()
	defer f.ch.mu.Unlock()
	if len(f.ch.list) != 1 {
		t.Fatalf("changes = %+v", f.ch.list)
	}
	c := f.ch.list[0]
	if c.Model != model || !c.At.Equal(t0.Add(time.Minute)) || c.Remote {
		t.Fatalf("change = %+v", c)
	}
}

func TestCallbacksMayCallBackIntoTheRegistry(t *testing.T) {
	var r *Registry
	calls := 0
	r = New(Settings{Failures: 1}, WithOnChange(func(c Change) {
		calls++
		_ = r.State(c.Model)
		_ = r.Snapshot()
		r.Allow(c.Model)
	}), WithOnCooldown(func(m string, _ time.Time) {
		calls++
		_ = r.Snapshot()
	}))
	r.Allow(model)
	r.Record(model, taxonomy.CountFailure)
	r.Cooldown(model, time.Hour)
	if calls != 2 {
		t.Fatalf("callbacks called %d times, want 2", calls)
	}
}

// The failure window used to run on the wall clock (failsafe-go's) while
// OpenFor ran on the Registry's: failures older than Window on the injected
// clock still counted.
func TestFailuresOlderThanWindowOnTheInjectedClockDoNotCount(t *testing.T) {
	for _, s := range []Settings{
		{Failures: 3, Window: 10 * time.Second},
		{FailureRatio: 0.5, MinRequests: 3, Window: 10 * time.Second},
	} {
		f := newFixture(t, s)
		f.fail(2)
		f.clk.Advance(10 * time.Second)
		f.fail(1)
		f.wantState(Closed)
		f.clk.Advance(9 * time.Second)
		f.fail(2) // 3 within the last 10 s
		f.wantState(Open)
	}
}

func TestClosingForgetsTheFailuresBeforeTheOpening(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, Window: time.Hour, OpenFor: time.Second})
	f.halfOpen()
	f.r.Allow(model)
	f.r.Record(model, taxonomy.CountSuccess)
	f.wantState(Closed)
	f.fail(1)
	f.wantState(Closed)
}
