package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
)

// Metrics records what bulwark does, for Prometheus and for [Metrics.Status].
// It implements [engine.Observer]. All methods are safe for concurrent use.
// Create it with [New].
type Metrics struct {
	clock   clock.Clock
	reg     *prometheus.Registry
	f       *families
	models  *models
	hedges  *hedgeSeries
	byOut   [nOutcomes]outcomeSeries
	win     *window
	users   *users
	top     int
	inc     incidents
	started time.Time

	misconfigMu      sync.Mutex
	misconfigClasses map[string]struct{}
}

// outcomeSeries are the series of one outcome label value.
type outcomeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
	flags    uint8
}

// New returns a Metrics registered in its own Prometheus registry, or in the
// one given by [WithRegistry].
func New(opts ...Option) *Metrics {
	c := config{clock: clock.Real, maxModels: DefaultMaxModels, maxUsers: DefaultMaxUsers, maxUserBytes: DefaultMaxUserBytes,
		userIdle: DefaultUserIdle, topUsers: DefaultTopUsers}
	for _, o := range opts {
		o(&c)
	}
	if c.prices == nil {
		c.prices = catalog.DefaultPrices()
	}
	if c.reg == nil {
		c.reg = prometheus.NewRegistry()
		c.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		clock:            c.clock,
		reg:              c.reg,
		f:                newFamilies(),
		win:              newWindow(),
		users:            newUsers(c.maxUsers, c.maxUserBytes, c.userIdle),
		top:              c.topUsers,
		started:          c.clock.Now(),
		misconfigClasses: make(map[string]struct{}),
	}
	m.reg.MustRegister(m.f.collectors()...)
	m.hedges = newHedgeSeries()
	m.reg.MustRegister(m.hedges.started, m.hedges.races)
	m.models = newModels(m.f, c.prices, c.maxModels, c.models)
	for i := range m.byOut {
		o := Outcome(i)
		m.byOut[i] = outcomeSeries{
			requests: m.f.requests.WithLabelValues(outcomeNames[i]),
			duration: m.f.duration.WithLabelValues(outcomeNames[i]),
			flags:    o.flags(),
		}
	}
	for _, name := range c.models {
		m.models.get(name)
	}
	return m
}

// Handler returns the handler of GET /metrics, in the Prometheus text or
// protobuf format as the scraper asks.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gatherer returns the registry the metrics are in, for tests and for
// pushing them elsewhere.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }
