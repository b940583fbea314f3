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
	// default, also written as ""), in the order of Via.
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

// Deployments returns the engine's tiers for tiers: each model once per
// upstream of its Via, as a deployment key ([engine.Deployment]; the default
// upstream's key is the model name alone), then the reserved tiers.
func Deployments(tiers []Tier) []string {
	out := make([]string, 0, len(tiers)+2)
	for _, t := range tiers {
		if len(t.Via) == 0 {
			out = append(out, t.Model)
			continue
		}
		for _, u := range t.Via {
			if u == DefaultUpstream {
				u = ""
			}
			out = append(out, engine.Deployment(t.Model, u))
		}
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
