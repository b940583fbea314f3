package config

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Balance names how a tier with several upstreams picks among them.
const (
	// BalanceOrdered tries the tier's upstreams in the order of Via (the default).
	BalanceOrdered = "ordered"
	// BalanceHeadroom tries first the upstream whose latest rate-limit
	// headers leave the most room for the request, and skips those that
	// cannot hold it before their reset (DESIGN §14).
	BalanceHeadroom = "headroom"
)

// Tier is one tier of a chain. In a file it is either a string — a model
// name served by the default upstream ("anthropic"), or a reserved tier
// ("cache", "static") — or a mapping {model: NAME, via: [UPSTREAM, ...],
// balance: ordered}: one model tried on each named upstream in turn, each
// (upstream, model) a deployment with its own breaker (DESIGN §13).
type Tier struct {
	// Model is the first-party model name, or a reserved tier name.
	Model string `yaml:"model" json:"model"`
	// Via names the upstreams (keys of Config.Upstreams) that serve Model,
	// in order; empty means the default upstream alone.
	Via []string `yaml:"via,omitempty" json:"via,omitempty"`
	// Balance is how the upstreams of Via are picked: "ordered" (the
	// default, also written as ""), in the order of Via, or "headroom".
	Balance string `yaml:"balance,omitempty" json:"balance,omitempty"`
}

// Tiers returns the plain tiers named, each served by the default upstream.
func Tiers(names ...string) []Tier {
	out := make([]Tier, len(names))
	for i, n := range names {
		out[i] = Tier{Model: n}
	}
	return out
}

// Names returns the model (or reserved) names of tiers, in order.
func Names(tiers []Tier) []string {
	out := make([]string, len(tiers))
	for i, t := range tiers {
		out[i] = t.Model
	}
	return out
}

// EngineChain returns the engine's chain for tiers, checked under the one
// set of chain rules ([engine.ParseChain]): each model once per upstream
// of its Via, in order (the default upstream as ""), then the reserved tiers.
func EngineChain(tiers []Tier) (engine.Chain, error) {
	c, err := engine.ParseChain(Names(tiers))
	if err != nil {
		return c, err
	}
	c.Models = c.Models[:0]
	for _, t := range tiers {
		if isReserved(t.Model) {
			continue
		}
		if len(t.Via) == 0 {
			c.Models = append(c.Models, t.Model)
			if c.Upstreams != nil {
				c.Upstreams = append(c.Upstreams, "")
			}
			continue
		}
		for _, u := range t.Via {
			if c.Upstreams == nil {
				c.Upstreams = make([]string, len(c.Models), len(c.Models)+len(t.Via))
			}
			if u == DefaultUpstream {
				u = ""
			}
			c.Models = append(c.Models, t.Model)
			c.Upstreams = append(c.Upstreams, u)
		}
	}
	return c, nil
}

// Balanced returns, for tiers, the ranges [start, end) of the engine chain
// of [EngineChain] whose deployments are balanced by headroom: one per tier
// with balance: headroom and more than one upstream.
func Balanced(tiers []Tier) [][2]int {
	var out [][2]int
	at := 0
	for _, t := range tiers {
		if isReserved(t.Model) {
			continue
		}
		n := max(len(t.Via), 1)
		if t.Balance == BalanceHeadroom && n > 1 {
			out = append(out, [2]int{at, at + n})
		}
		at += n
	}
	return out
}

// plain reports whether t is written as a string.
func (t Tier) plain() bool { return len(t.Via) == 0 && t.Balance == "" }

// tierFields is Tier without its methods, for decoding the mapping form.
type tierFields Tier

// UnmarshalYAML reads a tier written as a string or as a mapping; an
// unknown key in the mapping is an error.
func (t *Tier) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.StringNode:
		*t = Tier{Model: n.Value}
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		var f tierFields
		if err := yaml.NodeToValue(n, &f, yaml.Strict()); err != nil {
			return err
		}
		*t = Tier(f)
		return nil
	}
	return &yaml.SyntaxError{
		Message: "want a model name or {model: NAME, via: [UPSTREAM, ...]}, got " + kindName(node.Type()),
		Token:   node.GetToken(),
	}
}

// MarshalYAML writes a tier served by the default upstream as its name.
func (t Tier) MarshalYAML() (any, error) {
	if t.plain() {
		return t.Model, nil
	}
	return tierFields(t), nil
}

// UnmarshalJSON reads a tier written as a string or as an object.
func (t *Tier) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Tier{Model: s}
		return nil
	}
	var f tierFields
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("a tier is a model name or {\"model\": NAME, \"via\": [UPSTREAM, ...]}: %w", err)
	}
	*t = Tier(f)
	return nil
}

// MarshalJSON writes a tier served by the default upstream as its name.
func (t Tier) MarshalJSON() ([]byte, error) {
	if t.plain() {
		return json.Marshal(t.Model)
	}
	return json.Marshal(tierFields(t))
}

// index of the tier for model in tiers, or -1.
func tierIndex(tiers []Tier, model string) int {
	return slices.IndexFunc(tiers, func(t Tier) bool { return t.Model == model })
}

// String is the tier's model name, followed by its upstreams when it has
// some: "claude-sonnet-5-5 via [anthropic bedrock-us]".
func (t Tier) String() string {
	if len(t.Via) == 0 {
		return t.Model
	}
	return fmt.Sprintf("%s via %v", t.Model, t.Via)
}
