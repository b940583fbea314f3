package engine

import (
	"errors"
	"fmt"
	"strings"
)

// Reserved tier names: they may end a chain, after its model tiers, "cache"
// before "static". Every other tier name is a model.
const (
	// TierCache is the stale-cache tier: the last good answer to the same
	// request (served by the gateway only).
	TierCache = "cache"
	// TierStatic is the static tier: a friendly message, never a blank screen.
	TierStatic = "static"
)

// DefaultTiers returns the chain both faces use unless told otherwise:
// claude-sonnet-5-5, then claude-haiku-5-5, then the cache tier (the
// gateway's, when its cache is on; the library leaves it out), then the
// static message. Each call returns a new slice.
func DefaultTiers() []string {
	return []string{"claude-sonnet-5-5", "claude-haiku-5-5", TierCache, TierStatic}
}

// The default user-facing texts of the static tier and of a fallback's
// notice, shared by the library (bulwark.DefaultMessages) and the gateway
// (config messages). The engine never shows them; its callers do.
const (
	// DefaultUnavailableMessage is the answer when every tier failed.
	DefaultUnavailableMessage = "I'm having trouble answering right now. Please try again in a moment."
	// DefaultTimeoutMessage is the answer when the deadline ran out.
	DefaultTimeoutMessage = "This is taking longer than it should. Please try again in a moment."
	// DefaultNoticeMessage accompanies an answer from a fallback model.
	DefaultNoticeMessage = "Our main assistant is busy, so a backup answered. This reply may be a little shorter than usual."
)

// TierError is one problem with a chain's tiers.
type TierError struct {
	// Tier is the index of the tier at fault; -1 when it is the whole chain.
	Tier int
	// Msg says what is wrong, e.g. `model b comes after "static"`.
	Msg string
}

func (e *TierError) Error() string {
	if e.Tier < 0 {
		return e.Msg
	}
	return fmt.Sprintf("tier %d: %s", e.Tier, e.Msg)
}

// CheckTiers returns every problem with tiers, in order, under the one set
// of rules for a chain: at least one tier; no empty name; no name twice;
// the reserved tiers ("cache", "static") only at the end, "cache" before
// "static". A chain with no model tier is allowed ([static] answers a
// request for a reserved name); a face that needs a model checks for one.
func CheckTiers(tiers []string) []*TierError {
	if len(tiers) == 0 {
		return []*TierError{{Tier: -1, Msg: "must name at least one tier"}}
	}
	var errs []*TierError
	add := func(i int, format string, args ...any) {
		errs = append(errs, &TierError{Tier: i, Msg: fmt.Sprintf(format, args...)})
	}
	seen := make(map[string]bool, len(tiers))
	reserved := "" // the last reserved tier seen
	for i, t := range tiers {
		switch {
		case strings.TrimSpace(t) == "":
			add(i, "a tier name is empty")
		case seen[t]:
			add(i, "%s is named twice", t)
		case t == TierCache && reserved == TierStatic:
			add(i, "%q must come before %q", TierCache, TierStatic)
		case t == TierCache || t == TierStatic:
			reserved = t
		case reserved != "":
			add(i, "model %s comes after %q; %q and %q may only end a chain", t, reserved, TierCache, TierStatic)
		}
		seen[t] = true
	}
	return errs
}

// ParseChain splits tiers into the engine's [Chain] after [CheckTiers]; its
// error joins every *TierError found.
func ParseChain(tiers []string) (Chain, error) {
	if errs := CheckTiers(tiers); len(errs) > 0 {
		all := make([]error, len(errs))
		for i, e := range errs {
			all[i] = e
		}
		return Chain{}, errors.Join(all...)
	}
	var c Chain
	for _, t := range tiers {
		switch t {
		case TierCache:
			c.Cache = true
		case TierStatic:
			c.Static = true
		default:
			c.Models = append(c.Models, t)
		}
	}
	return c, nil
}
