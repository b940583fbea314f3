package breaker

import "fmt"

// State is the state of one model's breaker.
type State uint8

const (
	// Closed lets every request through and counts failures.
	Closed State = iota
	// Open skips every request until OpenFor has passed.
	Open
	// HalfOpen lets HalfOpenProbes requests at a time through as probes.
	HalfOpen
)

var stateNames = [...]string{Closed: "closed", Open: "open", HalfOpen: "half_open"}

// String returns "closed", "open" or "half_open" (as in logs, metrics and
// /v1/status).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText encodes the state as [State.String] does, so JSON carries it as
// a string.
func (s State) MarshalText() ([]byte, error) {
	if int(s) >= len(stateNames) {
		return nil, fmt.Errorf("breaker: unknown state %d", uint8(s))
	}
	return []byte(stateNames[s]), nil
}

// UnmarshalText decodes "closed", "open" or "half_open".
func (s *State) UnmarshalText(b []byte) error {
	for i, name := range stateNames {
		if string(b) == name {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("breaker: unknown state %q", b)
}

// Verdict is the answer of [Registry.Allow] and [Registry.Acquire].
type Verdict uint8

const (
	// Allow: send the request. Record its outcome exactly once.
	Allow Verdict = iota
	// SkipOpen: the breaker is open (or half-open with every probe taken);
	// go to the next tier at once.
	SkipOpen
	// SkipCooldown: the model is cooling down after a 429; go to the next
	// tier at once.
	SkipCooldown
)

// String returns "allow", "skip_open" or "skip_cooldown".
func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case SkipOpen:
		return "skip_open"
	case SkipCooldown:
		return "skip_cooldown"
	}
	return "unknown"
}
