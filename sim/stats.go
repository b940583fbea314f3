package sim

import (
	"maps"
	"net"
	"net/http"
	"sync"
	"time"
)

// arrivalsKept is how many arrival times Stats keeps per model.
const arrivalsKept = 256

// Stats is a snapshot of what the server has seen since New or the last
// Reset. Its JSON form is the body of GET /_sim/stats, and the one
// declaration of that shape: clients (bench, the e2e tests) decode into it.
//
//	{"requests":3,"models":{"claude-sonnet-5-5":{"requests":3,
//	  "outcomes":{"ok":1,"status_529":2},"arrivals":["2026-01-02T15:04:05.123Z",...]}},
//	  "protocols":{"HTTP/1.1":3},"connections":1,
//	  "upstreams":{"anthropic":{"kind":"anthropic","requests":3,"outcomes":{"ok":1,"status_529":2}}}}
type Stats struct {
	// Requests counts every API request (admin endpoints excluded).
	Requests int64 `json:"requests"`
	// Models holds the counts per model named in the request body;
	// GET /v1/models, unknown paths and bodies without a readable model
	// count under "".
	Models map[string]ModelStats `json:"models"`
	// Protocols counts the API requests by the HTTP version they came in
	// (http.Request.Proto: "HTTP/1.1", or "HTTP/2.0" when served over TLS
	// to a client that negotiated h2).
	Protocols map[string]int64 `json:"protocols"`
	// Connections is how many client connections are open now (not reset
	// by Reset), counted when the server's http.Server has ConnState set
	// to Server.ConnState, as Start and `bulwark sim` do; else 0.
	Connections int64 `json:"connections"`
	// Upstreams holds the counts per upstream name (the first path segment
	// of the request, or its kind's default name, e.g. "anthropic",
	// "bedrock"); a request is counted both here and under its model.
	Upstreams map[string]UpstreamStats `json:"upstreams"`
}

// UpstreamStats counts the requests to one upstream name.
type UpstreamStats struct {
	// Kind is the wire the upstream's requests came in (the last one seen):
	// "anthropic", "bedrock", "vertex", "bedrock-mantle", "aws",
	// "google-cloud" or "foundry".
	Kind string `json:"kind"`
	// Requests counts the requests to the upstream.
	Requests int64 `json:"requests"`
	// Outcomes counts how they were answered, as in ModelStats.Outcomes,
	// plus "unauthorized" (credentials the upstream's kind refused).
	Outcomes map[string]int64 `json:"outcomes"`
	// Models counts the requests per model (the first-party model name a
	// provider's model id maps to).
	Models map[string]int64 `json:"models"`
}

// Outcomes returns every model's outcomes as "model outcome" -> count, e.g.
// "claude-sonnet-5-5 status_529" -> 2.
func (s Stats) Outcomes() map[string]int64 {
	out := map[string]int64{}
	for m, ms := range s.Models {
		for o, n := range ms.Outcomes {
			out[m+" "+o] += n
		}
	}
	return out
}

// ModelStats counts the requests to one model.
type ModelStats struct {
	// Requests counts requests to the model.
	Requests int64 `json:"requests"`
	// Outcomes counts how requests were answered, decided when they arrive:
	// "ok", "status_<code>" (a status rule, e.g. "status_529"),
	// "rate_limited" (a WithRPM limit), "hang", "reset", "malformed",
	// "stall", "stream_error", "invalid" (a 400/404/405/413 for a bad request).
	Outcomes map[string]int64 `json:"outcomes"`
	// Arrivals are the arrival times (server clock) of the last 256
	// requests, oldest first, so tests can check retry spacing.
	Arrivals []time.Time `json:"arrivals"`
}

type statsBook struct {
	mu     sync.Mutex
	total  int64
	models map[string]*modelBook
	protos map[string]int64
	ups    map[string]*UpstreamStats
}

type modelBook struct {
	requests int64
	outcomes map[string]int64
	ring     [arrivalsKept]time.Time
	next     int // ring index of the next arrival
	n        int // arrivals stored, up to arrivalsKept
}

func (b *statsBook) reset() {
	b.mu.Lock()
	b.total = 0
	b.models = map[string]*modelBook{}
	b.protos = map[string]int64{}
	b.ups = map[string]*UpstreamStats{}
	b.mu.Unlock()
}

// proto counts an API request that came in over HTTP version proto.
func (b *statsBook) proto(proto string) {
	b.mu.Lock()
	b.protos[proto]++
	b.mu.Unlock()
}

func (b *statsBook) add(up upstream, model, outcome string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.ups[up.name]
	if u == nil {
		u = &UpstreamStats{Outcomes: map[string]int64{}, Models: map[string]int64{}}
		b.ups[up.name] = u
	}
	u.Kind = up.kind
	u.Requests++
	u.Outcomes[outcome]++
	u.Models[model]++
	m := b.models[model]
	if m == nil {
		m = &modelBook{outcomes: map[string]int64{}}
		b.models[model] = m
	}
	b.total++
	m.requests++
	m.outcomes[outcome]++
	m.ring[m.next] = at
	m.next = (m.next + 1) % arrivalsKept
	m.n = min(m.n+1, arrivalsKept)
}

func (b *statsBook) snapshot() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := Stats{Requests: b.total, Models: make(map[string]ModelStats, len(b.models)),
		Protocols: make(map[string]int64, len(b.protos)), Upstreams: make(map[string]UpstreamStats, len(b.ups))}
	for name, u := range b.ups {
		st.Upstreams[name] = UpstreamStats{Kind: u.Kind, Requests: u.Requests, Outcomes: maps.Clone(u.Outcomes), Models: maps.Clone(u.Models)}
	}
	for k, v := range b.protos {
		st.Protocols[k] = v
	}
	for name, m := range b.models {
		ms := ModelStats{Requests: m.requests, Outcomes: make(map[string]int64, len(m.outcomes)), Arrivals: make([]time.Time, 0, m.n)}
		for k, v := range m.outcomes {
			ms.Outcomes[k] = v
		}
		for i := m.n; i > 0; i-- {
			ms.Arrivals = append(ms.Arrivals, m.ring[(m.next-i+arrivalsKept)%arrivalsKept])
		}
		st.Models[name] = ms
	}
	return st
}

// count records a request r to model with its outcome, arriving now.
func (s *Server) count(r *http.Request, model, outcome string) {
	s.stats.add(upstreamOf(r), model, outcome, s.clock.Now())
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := s.stats.snapshot()
	st.Connections = s.conns.Load()
	return st
}

// ConnState counts the open client connections for Stats.Connections; set it
// as the http.Server's ConnState.
func (s *Server) ConnState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Add(-1)
	}
}

// Reset clears the counters (Stats) and the WithRPM windows. Rules and the
// script are kept.
func (s *Server) Reset() {
	s.stats.reset()
	s.limits.reset()
}
