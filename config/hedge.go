package config

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/bulwarkhq/bulwark/engine"
)

// MaxHedges is the most hedges a profile may send per request.
const MaxHedges = 3

// Hedge is a profile's hedged first token (DESIGN §14), e.g.
// `hedge: {after: p95, max: 1}`: when a streamed attempt's first token is
// later than After, a second attempt starts on the next deployment or tier;
// the first to commit answers, the other is cancelled. Each hedge takes a
// token of the retry budget. Off by default, and refused in the batch
// profile (no one waits on its first token).
type Hedge struct {
	// After is when a first token is late: "p95" (the default: the
	// deployment's recent p95 time to first token, at least
	// engine.MinHedgeAfter, engine.DefaultHedgeAfter before any was
	// measured) or a duration > 0.
	After HedgeAfter `yaml:"after" json:"after"`
	// Max is the number of hedges per request, 0 to MaxHedges; 0 (the
	// default) turns hedging off.
	Max int `yaml:"max" json:"max"`
}

// Engine returns the engine's hedge policy.
func (h Hedge) Engine() engine.Hedge {
	return engine.Hedge{Max: h.Max, After: time.Duration(h.After)}
}

var errHedgeAfter = errors.New("must be longer than 0")

// HedgeP95 is the value of `hedge.after` that follows the deployment's p95.
const HedgeP95 = "p95"

// HedgeAfter is `hedge.after`: 0 means "p95", anything else a duration.
type HedgeAfter Duration

// String returns "p95" for 0, else the duration.
func (a HedgeAfter) String() string {
	if a == 0 {
		return HedgeP95
	}
	return Duration(a).String()
}

func parseHedgeAfter(s string) (HedgeAfter, error) {
	if strings.TrimSpace(s) == HedgeP95 {
		return 0, nil
	}
	d, err := ParseDuration(s)
	if err == nil && d <= 0 {
		err = errHedgeAfter
	}
	return HedgeAfter(d), err
}

// UnmarshalYAML reads "p95" or a duration > 0.
func (a *HedgeAfter) UnmarshalYAML(node ast.Node) error {
	if n, ok := node.(*ast.NullNode); ok && n != nil {
		return nil
	}
	v, err := parseHedgeAfter(node.GetToken().Value)
	if err != nil {
		return &yaml.SyntaxError{Message: "hedge.after: " + err.Error() + ` (or "p95")`, Token: node.GetToken()}
	}
	*a = v
	return nil
}

// MarshalYAML writes "p95" or the duration.
func (a HedgeAfter) MarshalYAML() (any, error) { return a.String(), nil }

// MarshalJSON writes "p95" or the duration as a JSON string.
func (a HedgeAfter) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads "p95" or a duration string.
func (a *HedgeAfter) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := parseHedgeAfter(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
