package catalog

import (
	"math"
	"testing"
)

func TestDefaultPricesHoldThePublishedFigures(t *testing.T) {
	want := map[string]Price{
		"claude-haiku-4-5":  {1, 5, 1.25, 0.10},
		"claude-sonnet-4-5": {3, 15, 3.75, 0.30},
		"claude-opus-4-5":   {5, 25, 6.25, 0.50},
	}
	p := DefaultPrices()
	for m, w := range want {
		if got, ok := p[m]; !ok || got != w {
			t.Errorf("DefaultPrices()[%q] = %+v, %v; want %+v", m, got, ok, w)
		}
	}
	for _, m := range []string{"claude-sonnet-5-5", "claude-haiku-5-5", "claude-opus-5-5"} {
		if _, ok := p[m]; ok {
			t.Errorf("DefaultPrices() has an unsourced price for %q", m)
		}
	}
}

func TestDefaultPricesIsACopy(t *testing.T) {
	p := DefaultPrices()
	p["claude-haiku-4-5"] = Price{}
	delete(p, "claude-opus-4-5")
	q := DefaultPrices()
	if q["claude-haiku-4-5"].Input != 1 {
		t.Fatal("changing one DefaultPrices() result changed the next")
	}
	if _, ok := q["claude-opus-4-5"]; !ok {
		t.Fatal("deleting from one DefaultPrices() result changed the next")
	}
}

func TestCost(t *testing.T) {
	p := DefaultPrices()
	p["custom"] = Price{Input: 2, Output: 10}
	p["claude-haiku-4-5-20251001"] = Price{Input: 7} // an exact entry wins over the alias
	tests := []struct {
		name  string
		model string
		u     Usage
		usd   float64
		known bool
	}{
		{"haiku, a million of each", "claude-haiku-4-5",
			Usage{1_000_000, 1_000_000, 1_000_000, 1_000_000}, 1 + 5 + 1.25 + 0.10, true},
		{"sonnet, small answer", "claude-sonnet-4-5",
			Usage{InputTokens: 1000, OutputTokens: 500}, 0.003 + 0.0075, true},
		{"opus, cache only", "claude-opus-4-5",
			Usage{CacheCreationInputTokens: 2_000_000, CacheReadInputTokens: 10_000_000}, 12.5 + 5, true},
		{"dated id resolves to its alias", "claude-sonnet-4-5-20250929",
			Usage{InputTokens: 1_000_000}, 3, true},
		{"exact dated entry wins", "claude-haiku-4-5-20251001",
			Usage{InputTokens: 1_000_000}, 7, true},
		{"configured model", "custom", Usage{InputTokens: 500_000, OutputTokens: 100_000}, 1 + 1, true},
		{"zero usage of a known model is a known zero", "claude-haiku-4-5", Usage{}, 0, true},
		{"5-5 family is unknown", "claude-sonnet-5-5", Usage{InputTokens: 1000}, 0, false},
		{"unknown model", "gpt-4", Usage{InputTokens: 1000}, 0, false},
		{"empty model", "", Usage{InputTokens: 1000}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			usd, known := p.Cost(tt.model, tt.u)
			if known != tt.known || math.Abs(usd-tt.usd) > 1e-9 {
				t.Errorf("Cost(%q, %+v) = %v, %v; want %v, %v", tt.model, tt.u, usd, known, tt.usd, tt.known)
			}
		})
	}
}

func TestCostOnNilPricesIsUnknown(t *testing.T) {
	var p Prices
	if usd, known := p.Cost("claude-haiku-4-5", Usage{InputTokens: 1}); known || usd != 0 {
		t.Fatalf("nil Prices: Cost = %v, %v; want 0, false", usd, known)
	}
}

func TestADeploymentIsPricedByItsOwnEntryElseItsModel(t *testing.T) {
	p := Prices{"claude-sonnet-5-5": {Input: 3}, "claude-sonnet-5-5@bedrock-us": {Input: 3.3}}
	for _, c := range []struct {
		key  string
		want float64
		ok   bool
	}{
		{"claude-sonnet-5-5@bedrock-us", 3.3, true},
		{"claude-sonnet-5-5@vertex-us", 3, true},
		{"claude-sonnet-5-5", 3, true},
		{"claude-opus-9@bedrock-us", 0, false},
	} {
		got, ok := p.Lookup(c.key)
		if ok != c.ok || got.Input != c.want {
			t.Errorf("Lookup(%q) = %v, %v; want input %v, %v", c.key, got.Input, ok, c.want, c.ok)
		}
	}
}
