package metrics

import (
	"time"

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
	// DefaultMaxUserBytes is the default of [WithMaxUserBytes]: 4 MiB of
	// user ids (each counted with about 100 bytes of overhead).
	DefaultMaxUserBytes = 4 << 20
	// DefaultUserIdle is the default of [WithUserIdle]: a user with no
	// request for an hour is forgotten.
	DefaultUserIdle = time.Hour
	// DefaultTopUsers is the default of [WithTopUsers]: users listed in
	// [Status].Spend.Users.
	DefaultTopUsers = 10
	// MaxIncidents is the number of incidents [Status] keeps, newest first.
	MaxIncidents = 100
	// OtherModel is the model label of the models that get no label of
	// their own: neither configured ([WithModels]) nor priced nor known to
	// the catalog, or past [WithMaxModels].
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

	maxUserBytes int64
	userIdle     time.Duration
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
//
// Model label values are bounded (clients may send any model name): a model
// has a label of its own when it is named here, has a price ([WithPrices])
// or is known to the catalog ([catalog.Known]); every other model is
// counted under [OtherModel].
func WithModels(models ...string) Option {
	return func(c *config) { c.models = append(c.models, models...) }
}

// WithMaxModels caps the distinct model label values (default
// [DefaultMaxModels]); models seen after the cap is reached are counted under
// [OtherModel] even when configured or priced. Models given to [WithModels]
// count toward the cap.
func WithMaxModels(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxModels = n
		}
	}
}

// WithMaxUsers caps the users whose spend is kept in memory (default
// [DefaultMaxUsers]). When this cap or [WithMaxUserBytes]' is reached the
// users that spent least are dropped until half of each is left, so the top
// spenders survive a flood of new users.
func WithMaxUsers(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxUsers = n
		}
	}
}

// WithMaxUserBytes caps the bytes of the user ids kept for spend by user,
// each counted with about 100 bytes of overhead (default
// [DefaultMaxUserBytes]); see [WithMaxUsers].
func WithMaxUserBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxUserBytes = n
		}
	}
}

// WithUserIdle sets how long a user with no request keeps its spend in
// memory (default [DefaultUserIdle]); [Spend].UsersDropped counts the users
// forgotten. Zero or negative keeps the default.
func WithUserIdle(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.userIdle = d
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
