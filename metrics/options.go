package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
)

// Defaults of the options.
const (
	// DefaultMaxModels is the default of [WithMaxModels]: distinct model
	// label values before further models are counted as "other".
	DefaultMaxModels = 64
	// DefaultMaxUsers is the default of [WithMaxUsers]: users whose spend is
	// kept in memory.
	DefaultMaxUsers = 10_000
	// DefaultTopUsers is the default of [WithTopUsers]: users listed in
	// [Status].Spend.Users.
	DefaultTopUsers = 10
	// MaxIncidents is the number of incidents [Status] keeps, newest first.
	MaxIncidents = 100
	// OtherModel is the model label of the models past [WithMaxModels].
	OtherModel = "other"
)

// Option configures [New].
type Option func(*config)

type config struct {
	prices    catalog.Prices
	clock     clock.Clock
	reg       *prometheus.Registry
	models    []string
	maxModels int
	maxUsers  int
	topUsers  int
}

// WithPrices sets the price table that usage is priced with (USD per million
// tokens). Default [catalog.DefaultPrices]. A model with no entry (nor an
// entry for its alias, see [catalog.Prices.Lookup]) has its spend shown as
// unknown, never as zero. The table is read once per model and must not be
// changed after New.
func WithPrices(p catalog.Prices) Option {
	return func(c *config) {
		if p != nil {
			c.prices = p
		}
	}
}

// WithClock sets the clock that the rates, the series and incident times run
// on. Default [clock.Real].
func WithClock(cl clock.Clock) Option {
	return func(c *config) {
		if cl != nil {
			c.clock = cl
		}
	}
}

// WithRegistry registers the metrics in reg, and makes [Metrics.Handler]
// serve reg. Default: a new registry of its own, which also holds the Go
// runtime and process collectors. New panics if reg already holds a metric
// of the same name.
func WithRegistry(reg *prometheus.Registry) Option {
	return func(c *config) {
		if reg != nil {
			c.reg = reg
		}
	}
}

// WithModels names the models of the configured chains, so that their series
// (breaker state 0, token counters, misconfig counters) exist from the start,
// before any traffic: alerts built on increase() then see their first
// increment. Default none.
func WithModels(models ...string) Option {
	return func(c *config) { c.models = append(c.models, models...) }
}

// WithMaxModels caps the distinct model label values (default
// [DefaultMaxModels]); models seen after the cap is reached are counted under
// [OtherModel]. Models given to [WithModels] count toward the cap.
func WithMaxModels(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxModels = n
		}
	}
}

// WithMaxUsers caps the users whose spend is kept in memory (default
// [DefaultMaxUsers]). When the cap is reached the half that spent least is
// dropped, so the top spenders survive a flood of new users.
func WithMaxUsers(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxUsers = n
		}
	}
}

// WithTopUsers sets how many users [Status] lists by spend (default
// [DefaultTopUsers]).
func WithTopUsers(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.topUsers = n
		}
	}
}
