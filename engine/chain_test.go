package engine_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/engine"
)

func TestParseChainSplitsModelsFromTheReservedTiers(t *testing.T) {
	tests := []struct {
		tiers []string
		want  engine.Chain
	}{
		{[]string{"a", "b", "cache", "static"}, engine.Chain{Models: []string{"a", "b"}, Cache: true, Static: true}},
		{[]string{"a"}, engine.Chain{Models: []string{"a"}}},
		{[]string{"a", "static"}, engine.Chain{Models: []string{"a"}, Static: true}},
		{[]string{"static"}, engine.Chain{Static: true}},
		{[]string{"cache", "static"}, engine.Chain{Cache: true, Static: true}},
	}
	for _, tt := range tests {
		c, err := engine.ParseChain(tt.tiers)
		if err != nil || !reflect.DeepEqual(c, tt.want) {
			t.Errorf("%q: %+v, %v; want %+v", tt.tiers, c, err, tt.want)
		}
	}
}

func TestCheckTiersNamesEveryBrokenRuleWithItsTier(t *testing.T) {
	tests := []struct {
		name  string
		tiers []string
		want  []engine.TierError
	}{
		{"no tier", nil, []engine.TierError{{Tier: -1, Msg: "must name at least one tier"}}},
		{"an empty name", []string{"a", ""}, []engine.TierError{{Tier: 1, Msg: "a tier name is empty"}}},
		{"a blank name", []string{" ", "a"}, []engine.TierError{{Tier: 0, Msg: "a tier name is empty"}}},
		{"a model twice", []string{"a", "b", "a"}, []engine.TierError{{Tier: 2, Msg: "a is named twice"}}},
		{"static twice", []string{"a", "static", "static"}, []engine.TierError{{Tier: 2, Msg: "static is named twice"}}},
		{"a model after static", []string{"a", "static", "b"},
			[]engine.TierError{{Tier: 2, Msg: `model b comes after "static"; "cache" and "static" may only end a chain`}}},
		{"a model after cache", []string{"a", "cache", "b"},
			[]engine.TierError{{Tier: 2, Msg: `model b comes after "cache"; "cache" and "static" may only end a chain`}}},
		{"cache after static", []string{"a", "static", "cache"}, []engine.TierError{{Tier: 2, Msg: `"cache" must come before "static"`}}},
		{"two problems", []string{"", "static", "b"}, []engine.TierError{{Tier: 0, Msg: "a tier name is empty"},
			{Tier: 2, Msg: `model b comes after "static"; "cache" and "static" may only end a chain`}}},
	}
	for _, tt := range tests {
		var got []engine.TierError
		for _, e := range engine.CheckTiers(tt.tiers) {
			got = append(got, *e)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
		if _, err := engine.ParseChain(tt.tiers); err == nil || !strings.Contains(err.Error(), tt.want[0].Msg) {
			t.Errorf("%s: ParseChain err = %v", tt.name, err)
		}
	}
}
