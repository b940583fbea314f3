package breaker

import (
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// counts is what a breaker's next state depends on besides the time.
type counts struct {
	// failures and successes are the outcomes within Window while closed,
	// and those of the current period's probes while half-open.
	failures, successes int
	// openUntil is when an open breaker goes half-open, in ns since the
	// Registry's base.
	openUntil int64
}

// next returns the state a breaker in state s moves to, given its counts c,
// settings st (defaults applied) and the time now (ns since the Registry's
// base); s itself when it stays. It is the whole state machine of DESIGN §4:
//
//   - closed → open once c trips the threshold (see tripped);
//   - open → half-open once now reaches c.openUntil;
//   - half-open → open on one failed probe, → closed once HalfOpenProbes
//     probes succeeded.
//
// Forced opening (Registry.Force) is not a decision: a peer made it.
func next(s State, c counts, st Settings, now int64) State {
	switch s {
	case Closed:
		if tripped(c, st) {
			return Open
		}
	case Open:
		if now >= c.openUntil {
			return HalfOpen
		}
	case HalfOpen:
		if c.failures > 0 {
			return Open
		}
		if c.successes >= st.HalfOpenProbes {
			return Closed
		}
	}
	return s
}

// tripped reports whether a closed breaker's counts within Window open it:
// in count mode, Failures failures; in rate mode, at least MinRequests
// outcomes of which at least FailureRatio failed.
func tripped(c counts, st Settings) bool {
	if !st.rateMode() {
		return c.failures >= st.Failures
	}
	n := c.failures + c.successes
	return n > 0 && n >= st.MinRequests && float64(c.failures)/float64(n) >= st.FailureRatio
}

// recoveryDue reports whether a breaker in state s, whose last recovery
// probe (or, before any, whose opening) was at since, may let a recovery
// probe through at now (all in ns since the Registry's base), one per
// interval (DESIGN §4). A closed breaker needs none (it lets requests
// through), and interval < 0 turns probes off. A cooldown is not a breaker
// decision: the caller checks it first.
func recoveryDue(s State, since, now int64, interval time.Duration) bool {
	if s == Closed || interval < 0 {
		return false
	}
	return now-since >= int64(interval)
}

// afterRecovery returns the state a breaker in state s moves to when a
// recovery probe given in its current epoch ends with effect e: closed when
// the model answered (a success, or a Neutral outcome such as a 400 caused
// by the request), open when it failed, s itself when s is closed already.
func afterRecovery(s State, e taxonomy.Effect) State {
	switch {
	case s == Closed:
		return Closed
	case e == taxonomy.CountFailure:
		return Open
	}
	return Closed
}

// chance is what [nextChance] needs of a breaker, times in ns since the
// Registry's base.
type chance struct {
	state State
	// now, the end of the cooldown (0: none), the end of an open period, and
	// the last recovery probe (or the opening).
	now, cooldown, openUntil, probedAt int64
	// probes is the half-open probes out, of at most maxProbes.
	probes, maxProbes int
	interval          time.Duration
}

// nextChance returns how long from c.now until the breaker may let a request
// through — as usual, as a half-open probe, or as a recovery probe — and
// false when nothing but a result of a request already out can change that
// (a half-open breaker with every probe out and recovery probes off). A
// cooldown is waited in full.
func nextChance(c chance) (time.Duration, bool) {
	at := c.now
	switch c.state {
	case Open:
		at = c.openUntil
		if c.interval >= 0 {
			at = min(at, c.probedAt+int64(c.interval))
		}
	case HalfOpen:
		if c.probes >= c.maxProbes {
			if c.interval < 0 {
				return 0, false
			}
			at = c.probedAt + int64(c.interval)
		}
	}
	at = max(at, c.cooldown, c.now)
	return time.Duration(at - c.now), true
}
