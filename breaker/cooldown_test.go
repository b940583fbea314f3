package breaker

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestCooldownSkipsUntilItPasses(t *testing.T) {
	f := newFixture(t, Settings{})
	f.r.Cooldown(model, 2*time.Second)
	if v := f.r.Allow(model); v != SkipCooldown {
		t.Fatalf("Allow = %v, want skip_cooldown", v)
	}
	if v := f.r.Allow("claude-haiku-5-5"); v != Allow {
		t.Fatalf("other model: Allow = %v, want allow", v)
	}
	f.clk.Advance(2*time.Second - time.Nanosecond)
	if v := f.r.Allow(model); v != SkipCooldown {
		t.Fatalf("1ns before the end: Allow = %v, want skip_cooldown", v)
	}
	f.clk.Advance(time.Nanosecond)
	if v := f.r.Allow(model); v != Allow {
		t.Fatalf("after the cooldown: Allow = %v, want allow", v)
	}
	f.r.Record(model, taxonomy.CountSuccess)
	if v := f.r.Allow(model); v != Allow {
		t.Fatalf("again: Allow = %v, want allow", v)
	}
	f.wantChanges() // a cooldown is not a breaker state change
}

func TestCooldownIsNeverShortened(t *testing.T) {
	tests := []struct {
		name       string
		durations  []time.Duration
		wantEnd    time.Duration
		wantEvents int
	}{
		{"a shorter cooldown keeps the longer", []time.Duration{10 * time.Second, 2 * time.Second}, 10 * time.Second, 1},
		{"a longer cooldown extends", []time.Duration{2 * time.Second, 10 * time.Second}, 10 * time.Second, 2},
		{"an equal cooldown changes nothing", []time.Duration{3 * time.Second, 3 * time.Second}, 3 * time.Second, 1},
		{"zero and negative do nothing", []time.Duration{0, -time.Second}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Settings{})
			for _, d := range tt.durations {
				f.r.Cooldown(model, d)
			}
			if len(f.ch.cooldowns) != tt.wantEvents {
				t.Fatalf("OnCooldown called %d times, want %d", len(f.ch.cooldowns), tt.wantEvents)
			}
			if tt.wantEnd == 0 {
				if v := f.r.Allow(model); v != Allow {
					t.Fatalf("Allow = %v, want allow", v)
				}
				return
			}
			if last := f.ch.cooldowns[len(f.ch.cooldowns)-1]; !last.Equal(t0.Add(tt.wantEnd)) {
				t.Fatalf("OnCooldown until = %v, want %v", last, t0.Add(tt.wantEnd))
			}
			f.clk.Advance(tt.wantEnd - time.Nanosecond)
			if v := f.r.Allow(model); v != SkipCooldown {
				t.Fatalf("just before the end: Allow = %v, want skip_cooldown", v)
			}
			f.clk.Advance(time.Nanosecond)
			if v := f.r.Allow(model); v != Allow {
				t.Fatalf("at the end: Allow = %v, want allow", v)
			}
		})
	}
}

func TestCooldownIsCheckedBeforeTheBreaker(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	f.open()
	f.r.Cooldown(model, time.Hour)
	if v := f.r.Allow(model); v != SkipCooldown {
		t.Fatalf("Allow = %v, want skip_cooldown", v)
	}
	f.clk.Advance(time.Hour)
	if p, v := f.r.Acquire(model); v != Allow || !p.Probe() {
		t.Fatalf("after the cooldown: Acquire = %v, want a half-open probe", v)
	}
}

func TestHugeCooldownDoesNotOverflow(t *testing.T) {
	f := newFixture(t, Settings{})
	f.clk.Advance(time.Hour)
	f.r.Cooldown(model, time.Duration(1<<63-1))
	if v := f.r.Allow(model); v != SkipCooldown {
		t.Fatalf("Allow = %v, want skip_cooldown", v)
	}
}

func TestForceCooldownFromAPeer(t *testing.T) {
	f := newFixture(t, Settings{})
	f.r.ForceCooldown(model, t0.Add(-time.Second)) // already over: ignored
	f.r.ForceCooldown(model, t0)                   // ends now: ignored
	if v := f.r.Allow(model); v != Allow {
		t.Fatalf("Allow = %v after past cooldowns, want allow", v)
	}
	f.r.ForceCooldown(model, t0.Add(5*time.Second))
	f.r.ForceCooldown(model, t0.Add(time.Second)) // never shortened
	if v := f.r.Allow(model); v != SkipCooldown {
		t.Fatalf("Allow = %v, want skip_cooldown", v)
	}
	if len(f.ch.cooldowns) != 0 {
		t.Fatalf("OnCooldown called %d times for peer cooldowns, want 0", len(f.ch.cooldowns))
	}
	f.r.Cooldown(model, 3*time.Second) // local, shorter than the peer's: no extension, no event
	if len(f.ch.cooldowns) != 0 {
		t.Fatal("OnCooldown called for a cooldown that extended nothing")
	}
	f.clk.Advance(5 * time.Second)
	if v := f.r.Allow(model); v != Allow {
		t.Fatalf("after the peer's cooldown: Allow = %v, want allow", v)
	}
}

func TestCooldownLeftCountsDown(t *testing.T) {
	f := newFixture(t, Settings{})
	tests := []struct {
		name    string
		advance time.Duration
		model   string
		want    time.Duration
	}{
		{"unknown model", 0, "claude-opus-5", 0},
		{"just started", 0, model, 3 * time.Second},
		{"a second later", time.Second, model, 2 * time.Second},
		{"at the end", 2 * time.Second, model, 0},
		{"after the end", time.Second, model, 0},
	}
	f.r.Cooldown(model, 3*time.Second)
	f.r.Record("claude-haiku-5-5", taxonomy.CountFailure) // known, never cooled down
	if d := f.r.CooldownLeft("claude-haiku-5-5"); d != 0 {
		t.Fatalf("CooldownLeft without a cooldown = %v", d)
	}
	for _, tt := range tests {
		f.clk.Advance(tt.advance)
		if got := f.r.CooldownLeft(tt.model); got != tt.want {
			t.Fatalf("%s: CooldownLeft = %v, want %v", tt.name, got, tt.want)
		}
	}
}
