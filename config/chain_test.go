package config

import (
	"reflect"
	"testing"

	"github.com/bulwarkhq/bulwark/engine"
)

// chainsOf turns chains of plain names into chains of tiers.
func chainsOf(m map[string][]string) map[string][]Tier {
	out := make(map[string][]Tier, len(m))
	for k, v := range m {
		out[k] = Tiers(v...)
	}
	return out
}

func TestChain(t *testing.T) {
	c := Default()
	c.Chains = chainsOf(map[string][]string{
		"default":         {"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"},
		"claude-opus-5-5": {"claude-opus-5-5", "claude-sonnet-5-5", "static"},
		"fast":            {"claude-haiku-4-5", "claude-haiku-5-5"},
		"b-chain":         {"claude-x", "claude-y", "static"},
		"a-chain":         {"claude-w", "claude-y"},
	})
	tests := []struct {
		name  string
		model string
		want  []string
	}{
		{"a chain's own key", "claude-opus-5-5", []string{"claude-opus-5-5", "claude-sonnet-5-5", "static"}},
		{"the first tier of the default chain", "claude-sonnet-5-5", []string{"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}},
		{"a later tier of the default chain gets the rest of it", "claude-haiku-5-5", []string{"claude-haiku-5-5", "cache", "static"}},
		{"the first tier of another chain", "claude-haiku-4-5", []string{"claude-haiku-4-5", "claude-haiku-5-5"}},
		{"the first tier of a chain named otherwise", "claude-x", []string{"claude-x", "claude-y", "static"}},
		{"a later tier in two chains: the first by key", "claude-y", []string{"claude-y"}},
		{"an unknown model is tried alone, then static", "claude-sonnet-4-5", []string{"claude-sonnet-4-5", "static"}},
		{"a dated id of a chained alias is a different model", "claude-sonnet-5-5-20260101", []string{"claude-sonnet-5-5-20260101", "static"}},
		{"the default key itself", "default", []string{"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}},
		{"static asked for as a model", "static", []string{"static"}},
		{"cache asked for as a model", "cache", []string{"static"}},
		{"empty model", "", []string{"", "static"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Names(c.Chain(tt.model))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Chain(%q) = %v, want %v", tt.model, got, tt.want)
			}
		})
	}
}

func TestChainResultCanBeAppendedToSafely(t *testing.T) {
	c := Default()
	got := c.Chain("claude-sonnet-5-5")
	_ = append(got, Tier{Model: "extra"})
	_ = append(c.Chain("claude-haiku-5-5"), Tier{Model: "extra"})
	if want := []string{"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}; !reflect.DeepEqual(Names(c.Chains["default"]), want) {
		t.Fatalf("appending to Chain's result changed the config: %v", c.Chains["default"])
	}
}

func TestChainDoesNotAllocateForAConfiguredModel(t *testing.T) {
	c := Default()
	c.Chains["other"] = Tiers("claude-opus-5-5", "static")
	for _, m := range []string{"claude-sonnet-5-5", "claude-haiku-5-5", "claude-opus-5-5"} {
		if n := testing.AllocsPerRun(100, func() { _ = c.Chain(m) }); n != 0 {
			t.Errorf("Chain(%q) allocates %v times", m, n)
		}
	}
}

func TestModels(t *testing.T) {
	tests := []struct {
		name   string
		chains map[string][]string
		want   []string
	}{
		{"defaults", map[string][]string{"default": engine.DefaultTiers()}, []string{"claude-sonnet-5-5", "claude-haiku-5-5"}},
		{"default first, then by key, each once, no reserved tiers", map[string][]string{
			"z":       {"m3", "m1", "static"},
			"default": {"m1", "m2", "cache", "static"},
			"a":       {"m4", "m2"},
		}, []string{"m1", "m2", "m4", "m3"}},
		{"none", map[string][]string{"default": {"static"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Chains: chainsOf(tt.chains)}
			if got := c.Models(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Models() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProfileAttemptsFor(t *testing.T) {
	tests := []struct {
		p    Profile
		tier int
		want int
	}{
		{DefaultInteractive(), 0, 3},
		{DefaultInteractive(), 1, 3},
		{DefaultBatch(), 0, 1},
		{DefaultBatch(), 1, 5},
		{DefaultBatch(), 2, 5},
	}
	for _, tt := range tests {
		if got := tt.p.AttemptsFor(tt.tier); got != tt.want {
			t.Errorf("%+v.AttemptsFor(%d) = %d, want %d", tt.p, tt.tier, got, tt.want)
		}
	}
}
