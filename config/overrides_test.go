package config

import (
	"reflect"
	"testing"
)

func TestApplyOverrides(t *testing.T) {
	tests := []struct {
		name string
		o    Overrides
		edit func(*Config)
	}{
		{"nothing set changes nothing", Overrides{}, func(c *Config) {}},
		{"addr", Overrides{Addr: ":9999"}, func(c *Config) { c.Addr = ":9999" }},
		{"upstream", Overrides{Upstream: "http://127.0.0.1:4000"}, func(c *Config) { c.Upstream = "http://127.0.0.1:4000" }},
		{"redis", Overrides{Redis: "redis://r:6379"}, func(c *Config) { c.Redis = "redis://r:6379" }},
		{"chain replaces the default chain only", Overrides{Chain: []string{"claude-haiku-5-5", "static"}}, func(c *Config) {
			c.Chains["default"] = Tiers("claude-haiku-5-5", "static")
		}},
		{"all at once", Overrides{Addr: ":1", Upstream: "https://u", Redis: "redis://r", Chain: []string{"m"}}, func(c *Config) {
			c.Addr, c.Upstream, c.Redis = ":1", "https://u", "redis://r"
			c.Chains["default"] = Tiers("m")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := Default()
			base.Chains["claude-opus-5-5"] = Tiers("claude-opus-5-5", "static")
			want := Default()
			want.Chains["claude-opus-5-5"] = Tiers("claude-opus-5-5", "static")
			tt.edit(&want)
			got := base
			got.ApplyOverrides(tt.o)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ApplyOverrides(%+v)\n got %+v\nwant %+v", tt.o, got, want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate after overrides: %v", err)
			}
		})
	}
}

func TestApplyOverridesDoesNotTouchACopysChains(t *testing.T) {
	a := Default()
	b := a // shares the chains map
	chain := []string{"m", "static"}
	b.ApplyOverrides(Overrides{Chain: chain})
	chain[0] = "changed"
	if a.Chains["default"][0].Model != "claude-sonnet-5-5" {
		t.Fatalf("the original's default chain changed: %v", a.Chains["default"])
	}
	if b.Chains["default"][0].Model != "m" {
		t.Fatalf("the override's chain aliases the caller's slice: %v", b.Chains["default"])
	}
}
