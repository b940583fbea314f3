package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Limit is a set of per-minute rate limits that the simulator enforces the
// way the API does, with a token bucket per dimension: each bucket holds
// the per-minute amount and refills continuously (see package doc). A zero
// dimension is unlimited; its headers then advertise the defaults
// (4000 requests, 2,000,000 input and 400,000 output tokens per minute),
// always full.
//
// A limit applies to the requests whose model is Model ("*": every model)
// sent to Upstream (an upstream name such as "anthropic-b", a kind such as
// "bedrock", or ""/"*": every upstream). Buckets are kept per upstream name
// and model, so {"upstream":"*","model":"*"} gives every pair its own.
// When several limits match a request, the most specific applies alone: an
// upstream name before a kind before any upstream, then a model before "*";
// among equals the first.
type Limit struct {
	Upstream string `json:"upstream,omitempty"`
	Model    string `json:"model"`
	// RequestsPerMinute is the requests bucket: each request takes one.
	RequestsPerMinute int64 `json:"requests_per_minute,omitempty"`
	// InputTokensPerMinute is the input tokens bucket: a request takes its
	// estimated input tokens (usage.input_tokens) when it is admitted.
	InputTokensPerMinute int64 `json:"input_tokens_per_minute,omitempty"`
	// OutputTokensPerMinute is the output tokens bucket: a request takes its
	// max_tokens when it is admitted and gets back what it did not produce
	// when its answer ends (all of it when a fault answers instead).
	OutputTokensPerMinute int64 `json:"output_tokens_per_minute,omitempty"`
}

// limitsDoc is the body of GET and PUT /_sim/limits and of a --limits file.
type limitsDoc struct {
	Limits []Limit `json:"limits"`
}

// ParseLimits reads {"limits":[...]} strictly: unknown fields, a missing
// model and negative limits are errors that name the limit.
func ParseLimits(data []byte) ([]Limit, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc limitsDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf(`limits: want {"limits":[{"model":...,"requests_per_minute":N,...}]}: %w`, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("limits: unexpected data after the JSON object")
	}
	for i, l := range doc.Limits {
		if err := l.validate(); err != nil {
			return nil, fmt.Errorf("limits[%d]: %w", i, err)
		}
	}
	if doc.Limits == nil {
		doc.Limits = []Limit{}
	}
	return doc.Limits, nil
}

func (l Limit) validate() error {
	switch {
	case l.Model == "":
		return fmt.Errorf(`model is required (a model name or "*")`)
	case l.RequestsPerMinute < 0 || l.InputTokensPerMinute < 0 || l.OutputTokensPerMinute < 0:
		return fmt.Errorf("limits must not be negative (0 is unlimited)")
	}
	return nil
}

// specificity ranks how closely l matches a request to up for model: -1
// when it does not match, higher when more specific.
func (l Limit) specificity(up upstream, model string) int {
	score := 0
	switch l.Upstream {
	case "", "*":
	case up.name:
		score = 4
	case up.kind:
		score = 2
	default:
		return -1
	}
	switch l.Model {
	case "*":
	case model:
		score++
	default:
		return -1
	}
	return score
}

// limitFor is the limit that applies to a request to up for model, and
// whether one does. It is a pure function of its arguments.
func limitFor(limits []Limit, up upstream, model string) (Limit, bool) {
	best, found := -1, Limit{}
	for _, l := range limits {
		if s := l.specificity(up, model); s > best {
			best, found = s, l
		}
	}
	return found, best >= 0
}
