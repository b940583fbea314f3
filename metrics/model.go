package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// slot caches one label-resolved counter that is created on first use.
type slot struct {
	p atomic.Pointer[prometheus.Counter]
}

// get returns the counter of vec labelled (a, b). Label values are passed
// one by one so that the fast path builds no slice.
func (s *slot) get(vec *prometheus.CounterVec, a, b string) prometheus.Counter {
	if p := s.p.Load(); p != nil {
		return *p
	}
	return s.resolve(vec, a, b)
}

func (s *slot) resolve(vec *prometheus.CounterVec, a, b string) prometheus.Counter {
	c := vec.WithLabelValues(a, b)
	if !s.p.CompareAndSwap(nil, &c) {
		return *s.p.Load()
	}
	return c
}

// model holds the series of one model label value, resolved once.
type model struct {
	name string // the label value: the model, or OtherModel
	// price is the model's price when priced is true. The OtherModel entry
	// prices each request by its own model instead.
	price  catalog.Price
	priced bool
	other  bool

	tokens          [4]prometheus.Counter
	cost            prometheus.Counter // nil unless priced (or other)
	unknownTokens   prometheus.Counter // nil if priced (but not other)
	discardedTokens prometheus.Counter
	discardedCost   prometheus.Counter // nil unless priced (or other)
	state           prometheus.Gauge
	cooldowns       prometheus.Counter

	attempts    [nStatusClasses]slot
	retries     [nClasses]slot
	misconfig   [nClasses]slot
	skips       [len(skipReasons)]slot
	transitions [nStates]slot

	// fallbacks maps a "to" model's label to its counter; copy-on-write.
	fallbacks  atomic.Pointer[map[string]prometheus.Counter]
	fallbackMu sync.Mutex

	// lastChange is the At (Unix ns) of the latest breaker change applied
	// to state; older changes arriving late are not applied.
	lastChange atomic.Int64
	// cooldownUntil is the end (Unix ns) of the latest cooldown.
	cooldownUntil atomic.Int64
}

// pageClasses are the classes with Severity Page whose misconfig series exist
// from the start.
var pageClasses = [...]taxonomy.Class{taxonomy.Credit, taxonomy.Auth, taxonomy.NotFound}

func newModel(f *families, name string, price catalog.Price, priced, other bool) *model {
	e := &model{name: name, price: price, priced: priced, other: other}
	for i, k := range tokenKinds {
		e.tokens[i] = f.tokens.WithLabelValues(name, k)
	}
	if priced || other {
		e.cost = f.cost.WithLabelValues(name)
		e.discardedCost = f.discardedCost.WithLabelValues(name)
	}
	if !priced || other {
		e.unknownTokens = f.unknownTokens.WithLabelValues(name)
	}
	e.discardedTokens = f.discardedTokens.WithLabelValues(name)
	e.state = f.breakerState.WithLabelValues(name)
	e.cooldowns = f.cooldowns.WithLabelValues(name)
	for _, c := range pageClasses {
		e.misconfig[classIndex(c)].get(f.misconfig, name, c.String())
	}
	empty := map[string]prometheus.Counter{}
	e.fallbacks.Store(&empty)
	return e
}

// models is the table of model entries: a copy-on-write map read with one
// atomic load, written under mu.
type models struct {
	f          *families
	prices     catalog.Prices
	max        int
	configured map[string]bool

	m     atomic.Pointer[map[string]*model]
	mu    sync.Mutex
	other *model
}

func newModels(f *families, prices catalog.Prices, max int, configured []string) *models {
	t := &models{f: f, prices: prices, max: max, configured: make(map[string]bool, len(configured))}
	for _, m := range configured {
		t.configured[m] = true
	}
	empty := map[string]*model{}
	t.m.Store(&empty)
	return t
}

// get returns the entry of model name, creating it on first use; for a
// model with no label of its own (see [WithModels]) or past the cap, the
// OtherModel entry.
func (t *models) get(name string) *model {
	if e, ok := (*t.m.Load())[name]; ok {
		return e
	}
	return t.create(name)
}

func (t *models) create(name string) *model {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.m.Load()
	if e, ok := old[name]; ok {
		return e
	}
	if name == "" || name == OtherModel || len(old) >= t.max || !t.known(name) {
		if t.other == nil {
			t.other = newModel(t.f, OtherModel, catalog.Price{}, false, true)
		}
		return t.other
	}
	price, priced := t.prices.Lookup(name)
	e := newModel(t.f, name, price, priced, false)
	next := make(map[string]*model, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = e
	t.m.Store(&next)
	return e
}

// known reports whether name gets a label of its own: configured, priced or
// in the catalog. Any other name a client sent counts as OtherModel, so
// that made-up names cannot grow the label sets.
func (t *models) known(name string) bool {
	if t.configured[name] {
		return true
	}
	_, ok := t.prices.Lookup(name)
	return ok || catalog.Known(name)
}

// all returns every entry, the OtherModel one last if it exists.
func (t *models) all() []*model {
	m := *t.m.Load()
	out := make([]*model, 0, len(m)+1)
	for _, e := range m {
		out = append(out, e)
	}
	t.mu.Lock()
	if t.other != nil {
		out = append(out, t.other)
	}
	t.mu.Unlock()
	return out
}

// fallbackTo returns the counter of fallbacks from e to the model labelled to.
func (e *model) fallbackTo(f *families, to string) prometheus.Counter {
	if c, ok := (*e.fallbacks.Load())[to]; ok {
		return c
	}
	e.fallbackMu.Lock()
	defer e.fallbackMu.Unlock()
	old := *e.fallbacks.Load()
	if c, ok := old[to]; ok {
		return c
	}
	c := f.fallbacks.WithLabelValues(e.name, to)
	next := make(map[string]prometheus.Counter, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[to] = c
	e.fallbacks.Store(&next)
	return c
}

// cost prices usage u of the request's model (name) with e's price; ok is
// false when the model has no price.
func (t *models) cost(e *model, name string, u catalog.Usage) (usd float64, ok bool) {
	if e.other {
		return t.prices.Cost(name, u)
	}
	if !e.priced {
		return 0, false
	}
	return usdOf(e.price, u), true
}

// usdOf is what [catalog.Prices.Cost] computes, for a price already looked up.
func usdOf(p catalog.Price, u catalog.Usage) float64 {
	usd := float64(u.InputTokens)*p.Input +
		float64(u.OutputTokens)*p.Output +
		float64(u.CacheCreationInputTokens)*p.CacheWrite +
		float64(u.CacheReadInputTokens)*p.CacheRead
	return usd / 1e6
}

func totalTokens(u catalog.Usage) int64 {
	return u.InputTokens + u.OutputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
}
