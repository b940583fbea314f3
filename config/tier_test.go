package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/engine"
)

const providersYAML = `
upstreams:
  anthropic-b: {kind: anthropic, api_key_env: ANTHROPIC_API_KEY_B}
  bedrock-us:  {kind: bedrock, region: us-east-1, models: {claude-sonnet-5-5: us.anthropic.claude-sonnet-5-5}}
chains:
  default:
    - {model: claude-sonnet-5-5, via: [anthropic, anthropic-b, bedrock-us]}
    - claude-haiku-5-5
    - static
`

func TestATierIsAModelNameOrAModelWithItsUpstreams(t *testing.T) {
	c, err := Parse([]byte(providersYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := []Tier{{Model: "claude-sonnet-5-5", Via: []string{"anthropic", "anthropic-b", "bedrock-us"}}, {Model: "claude-haiku-5-5"}, {Model: "static"}}
	if got := c.Chains[DefaultChain]; !reflect.DeepEqual(got, want) {
		t.Errorf("default chain %v, want %v", got, want)
	}
	if _, ok := c.Upstreams[DefaultUpstream]; !ok || len(c.Upstreams) != 3 {
		t.Errorf("upstreams %v: the file's are added to the default one", c.Upstreams)
	}
	ec, err := EngineChain(c.Chain("claude-sonnet-5-5"))
	if err != nil {
		t.Fatal(err)
	}
	wantChain := engine.Chain{Models: []string{"claude-sonnet-5-5", "claude-sonnet-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"},
		Upstreams: []string{"", "anthropic-b", "bedrock-us", ""}, Static: true}
	if !reflect.DeepEqual(ec, wantChain) {
		t.Errorf("EngineChain = %+v, want %+v", ec, wantChain)
	}
	wantKeys := []string{"claude-sonnet-5-5", "claude-sonnet-5-5@anthropic-b", "claude-sonnet-5-5@bedrock-us", "claude-haiku-5-5", "claude-opus-5-5"}
	if got := c.Deployments(); !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("Config.Deployments = %v, want %v", got, wantKeys)
	}
	plain, _ := EngineChain(Tiers("m", "n", "static"))
	if plain.Upstreams != nil {
		t.Errorf("a chain of plain tiers has upstreams %v; want nil (all default)", plain.Upstreams)
	}
	if got := Names(c.Chain("claude-haiku-5-5")); !reflect.DeepEqual(got, []string{"claude-haiku-5-5", "static"}) {
		t.Errorf("a later tier's chain: %v", got)
	}
}

func TestTierMistakesAreNamedWithTheirLine(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"an unknown upstream", "chains: {default: [{model: m, via: [nowhere]}]}\n",
			`line 1: chains.default[0].via[0]: upstream "nowhere" is not in upstreams`},
		{"an upstream that does not map the model", "upstreams: {b: {kind: bedrock, region: r, models: {x: y}}}\nchains: {default: [{model: m, via: [b]}]}\n",
			`upstream "b" does not map model m`},
		{"an upstream twice", "upstreams: {b: {kind: anthropic}}\nchains: {default: [{model: m, via: [b, b]}]}\n",
			`chains.default[0].via[1]: upstream "b" is named twice`},
		{"an unknown key in a tier", "chains:\n  default:\n    - {model: m, vai: [anthropic]}\n",
			`line 3`},
		{"a tier that is a list", "chains: {default: [[m]]}\n", "want a model name or {model: NAME"},
		{"a reserved tier with via", "chains: {default: [m, {model: static, via: [anthropic]}]}\n", `"static" takes no via`},
		{"an unknown balance", "chains: {default: [{model: m, via: [anthropic], balance: random}]}\n", `balance: must be "ordered" or "headroom"`},
		{"an unknown kind", "upstreams: {x: {kind: azure}}\n", "upstreams.x.kind: must be one of"},
		{"the default upstream of another kind", "upstreams: {anthropic: {kind: bedrock, region: r, models: {m: m}}}\n", `upstreams.anthropic.kind: must be "anthropic"`},
		{"a name with a slash", "upstreams: {a/b: {kind: anthropic}}\n", "without '@', '/'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestATierRoundTripsThroughJSON(t *testing.T) {
	for _, in := range []string{`"claude-haiku-5-5"`, `{"model":"m","via":["anthropic","b"]}`} {
		var tier Tier
		if err := tier.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatal(err)
		}
		out, err := tier.MarshalJSON()
		if err != nil || string(out) != in {
			t.Errorf("%s → %+v → %s (%v)", in, tier, out, err)
		}
	}
	var tier Tier
	if err := tier.UnmarshalJSON([]byte(`[1]`)); err == nil {
		t.Error("a JSON list read as a tier")
	}
}

func TestBalancedNamesTheEngineRangesOfHeadroomTiers(t *testing.T) {
	tiers := []Tier{{Model: "a", Via: []string{"x", "y"}}, {Model: "b", Via: []string{"x", "y", "z"}, Balance: BalanceHeadroom},
		{Model: "c", Balance: BalanceHeadroom}, {Model: "d", Via: []string{"x", "y"}, Balance: BalanceHeadroom}, {Model: "static"}}
	if got, want := Balanced(tiers), [][2]int{{2, 5}, {6, 8}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Balanced = %v, want %v", got, want)
	}
}
