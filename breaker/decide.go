package breaker

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
