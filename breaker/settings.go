package breaker

import "time"

// Defaults for the zero fields of [Settings] (DESIGN §4, config key breaker).
const (
	// DefaultFailures is Settings.Failures' default: failures within Window.
	DefaultFailures = 5
	// DefaultWindow is Settings.Window's default.
	DefaultWindow = 30 * time.Second
	// DefaultOpenFor is Settings.OpenFor's default.
	DefaultOpenFor = 30 * time.Second
	// DefaultHalfOpenProbes is Settings.HalfOpenProbes' default: requests.
	DefaultHalfOpenProbes = 1
	// DefaultMinRequests is Settings.MinRequests' default: outcomes within
	// Window (rate mode only).
	DefaultMinRequests = 10
	// DefaultRecoveryProbeInterval is Settings.RecoveryProbeInterval's
	// default.
	DefaultRecoveryProbeInterval = time.Second
)

// Settings configures every breaker of a [Registry]. The zero value is usable;
// a zero or negative field takes its default.
type Settings struct {
	// Failures is the number of failures within Window that opens a closed
	// breaker (count mode). Default 5.
	Failures int
	// Window is the sliding window outcomes are counted in while closed,
	// kept in 10 buckets of Window/10 each: an outcome is forgotten between
	// 0.9 × Window and Window after it. Default 30 s. Runs on the
	// Registry's clock.
	Window time.Duration
	// OpenFor is how long a breaker stays open before it lets probes
	// through (half-open). Default 30 s. Runs on the Registry's clock.
	OpenFor time.Duration
	// HalfOpenProbes is the number of real requests let through at a time
	// while half-open. That many successive successes close the breaker; one
	// failure opens it again. Default 1.
	HalfOpenProbes int
	// FailureRatio, when above 0, selects rate mode instead of count mode:
	// the breaker opens once at least MinRequests outcomes were counted
	// within Window and at least this share of them (0 < r ≤ 1; above 1
	// counts as 1) were failures. Default 0: count mode with Failures.
	FailureRatio float64
	// MinRequests is the number of outcomes within Window needed before
	// FailureRatio applies; rate mode only. Default 10.
	MinRequests int
	// RecoveryProbeInterval is how often, at most, a breaker that is open
	// (or half-open with every probe out) lets one recovery probe through
	// when a request has no other model left ([Registry.AcquireRecovery],
	// DESIGN §4): the first one RecoveryProbeInterval after it opened, then
	// one per interval. A recovery probe that succeeds closes the breaker.
	// Default 1 s; negative turns recovery probes off. Runs on the
	// Registry's clock.
	RecoveryProbeInterval time.Duration
}

func (s Settings) withDefaults() Settings {
	if s.Failures <= 0 {
		s.Failures = DefaultFailures
	}
	if s.Window <= 0 {
		s.Window = DefaultWindow
	}
	if s.OpenFor <= 0 {
		s.OpenFor = DefaultOpenFor
	}
	if s.HalfOpenProbes <= 0 {
		s.HalfOpenProbes = DefaultHalfOpenProbes
	}
	if !(s.FailureRatio > 0) { // also NaN
		s.FailureRatio = 0
	}
	s.FailureRatio = min(s.FailureRatio, 1)
	if s.MinRequests <= 0 {
		s.MinRequests = DefaultMinRequests
	}
	if s.RecoveryProbeInterval == 0 {
		s.RecoveryProbeInterval = DefaultRecoveryProbeInterval
	}
	return s
}

// rateMode reports whether successes take part in the open decision.
func (s Settings) rateMode() bool { return s.FailureRatio > 0 }
