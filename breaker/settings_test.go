package breaker

import (
	"math"
	"testing"
	"time"
)

func TestSettingsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Settings
		want Settings
	}{
		{"zero value takes every default", Settings{},
			Settings{Failures: 5, Window: 30 * time.Second, OpenFor: 30 * time.Second, HalfOpenProbes: 1, MinRequests: 10, RecoveryProbeInterval: time.Second}},
		{"negative values take defaults; a negative probe interval turns probes off", Settings{Failures: -1, Window: -1, OpenFor: -1, HalfOpenProbes: -1, FailureRatio: -1, MinRequests: -1, RecoveryProbeInterval: -1},
			Settings{Failures: 5, Window: 30 * time.Second, OpenFor: 30 * time.Second, HalfOpenProbes: 1, MinRequests: 10, RecoveryProbeInterval: -1}},
		{"set values are kept", Settings{Failures: 3, Window: time.Second, OpenFor: time.Minute, HalfOpenProbes: 2, FailureRatio: 0.5, MinRequests: 4},
			Settings{Failures: 3, Window: time.Second, OpenFor: time.Minute, HalfOpenProbes: 2, FailureRatio: 0.5, MinRequests: 4, RecoveryProbeInterval: time.Second}},
		{"a ratio above 1 counts as 1", Settings{FailureRatio: 7},
			Settings{Failures: 5, Window: 30 * time.Second, OpenFor: 30 * time.Second, HalfOpenProbes: 1, FailureRatio: 1, MinRequests: 10, RecoveryProbeInterval: time.Second}},
		{"a NaN ratio is count mode", Settings{FailureRatio: math.NaN()},
			Settings{Failures: 5, Window: 30 * time.Second, OpenFor: 30 * time.Second, HalfOpenProbes: 1, MinRequests: 10, RecoveryProbeInterval: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.in).Settings(); got != tt.want {
				t.Fatalf("Settings() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStringsAndText(t *testing.T) {
	tests := []struct{ got, want string }{
		{Closed.String(), "closed"}, {Open.String(), "open"}, {HalfOpen.String(), "half_open"},
		{State(9).String(), "unknown"},
		{Allow.String(), "allow"}, {SkipOpen.String(), "skip_open"}, {SkipCooldown.String(), "skip_cooldown"},
		{Verdict(9).String(), "unknown"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
	for _, s := range []State{Closed, Open, HalfOpen} {
		b, err := s.MarshalText()
		var back State
		if err != nil || back.UnmarshalText(b) != nil || back != s {
			t.Errorf("%v: text round trip gave %v (%v)", s, back, err)
		}
	}
}
