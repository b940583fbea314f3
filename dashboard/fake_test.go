package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/metrics"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// fakeStatus serves a status JSON as the gateway will: metrics.Status from
// a Metrics fed five minutes of made-up traffic, plus breakers and a store.
// open flips the primary's breaker to open.
type fakeStatus struct {
	mu   sync.Mutex
	m    *metrics.Metrics
	now  time.Time
	open bool
}

const (
	primary  = "claude-sonnet-5-5"
	fallback = "claude-haiku-4-5"
)

func newFakeStatus(now time.Time) *fakeStatus {
	now = now.Truncate(time.Second)
	fc := clock.NewFake(now.Add(-5 * time.Minute))
	m := metrics.New(metrics.WithClock(fc), metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithPrices(catalog.DefaultPrices()), metrics.WithModels(primary, fallback))
	for s := range 300 {
		at := fc.Now()
		outage := s >= 200 && s < 240 // a primary outage 100 s to 60 s ago
		for i := range 4 + int(2.5*math.Sin(float64(s)/23)+1.5*math.Sin(float64(s)/7)) {
			info := metrics.RequestInfo{Outcome: metrics.OutcomeAnswered, Model: primary, Duration: 800 * time.Millisecond,
				TTFT: 300 * time.Millisecond, User: fmt.Sprint("user-", (s+i)%7), End: at,
				Usage: catalog.Usage{InputTokens: 1200, OutputTokens: 300}}
			if outage || (s%37 == 0 && i == 0) {
				info.Outcome, info.Model, info.Fallback = metrics.OutcomeFallback, fallback, true
			}
			if outage && i == 0 && s%5 == 0 {
				info.Outcome, info.Fallback, info.Usage = metrics.OutcomeStatic, false, catalog.Usage{}
			}
			if outage && i == 1 && s%9 == 0 {
				info.Outcome, info.Usage = metrics.OutcomeExhausted, catalog.Usage{}
				info.DiscardedUsage, info.DiscardedModel = catalog.Usage{OutputTokens: 120}, primary
			}
			m.Request(info)
		}
		switch s {
		case 200:
			m.BreakerChanged(breaker.Change{Model: primary, From: breaker.Closed, To: breaker.Open, At: at})
		case 205:
			m.Attempted("claude-sonnet-4-5", 404, taxonomy.Classify(taxonomy.Result{Status: 404}, at), time.Millisecond)
		case 215:
			m.CooldownStarted(fallback, at.Add(12*time.Second))
		case 230:
			m.BreakerChanged(breaker.Change{Model: primary, From: breaker.Open, To: breaker.HalfOpen, At: at})
		case 231:
			m.BreakerChanged(breaker.Change{Model: primary, From: breaker.HalfOpen, To: breaker.Closed, At: at})
		case 260:
			m.UserCutOff("user-<script>")
		}
		fc.Advance(time.Second)
	}
	return &fakeStatus{m: m, now: now}
}

func (f *fakeStatus) setOpen(open bool) {
	f.mu.Lock()
	f.open = open
	f.mu.Unlock()
	if open {
		f.m.BreakerChanged(breaker.Change{Model: primary, From: breaker.Closed, To: breaker.Open, At: f.now})
	}
}

func (f *fakeStatus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	open := f.open
	f.mu.Unlock()
	bs := []breaker.Status{
		{Model: primary, State: breaker.Closed, Failures: 2},
		{Model: fallback, State: breaker.Closed, CooldownLeft: 9 * time.Second},
		{Model: "claude-opus-4-5", State: breaker.HalfOpen, Probes: 1},
	}
	if open {
		bs[0] = breaker.Status{Model: primary, State: breaker.Open, OpenLeft: 27 * time.Second, Failures: 5}
	}
	store := map[string]any{"kind": "redis", "healthy": true}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		metrics.Status
		Breakers []breaker.Status `json:"breakers"`
		Store    map[string]any   `json:"store"`
		Warnings []string         `json:"warnings"`
	}{f.m.Status(), bs, store, []string{"claude-sonnet-4-5 reached end-of-life on 2026-11-30: the API now answers it with 404 not_found_error; move to claude-sonnet-5-5"}})
}

// testServer serves the dashboard at / and the fake status at /v1/status;
// POST /_test/open flips the primary's breaker to open.
func testMux(f *fakeStatus) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", Handler("/v1/status"))
	mux.Handle("GET /v1/status", f)
	mux.HandleFunc("POST /_test/open", func(w http.ResponseWriter, r *http.Request) {
		f.setOpen(true)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
