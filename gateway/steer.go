package gateway

import (
	"log/slog"
	"strconv"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/headroom"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Headroom steering (DESIGN §14): a tier with balance: headroom has its
// deployments ordered per request by the room their latest rate-limit
// headers leave for it, and those that cannot hold it before their reset
// left out (headroom.Order). The Server's book learns the headers of every
// answer of such a deployment (observe) and the bytes per input token of
// every answer (calibrate). With a shared store (Redis) each replica also
// publishes the headers it sees (store.Shared.HeadroomSeen, off the request
// path) and keeps its peers' when newer than its own, so that a replica
// routes by the freshest headers any replica saw; the request path reads
// the book only.

// setSteering makes the book when a chain balances by headroom, and notes
// the deployments whose answers feed it.
func (s *Server) setSteering() {
	for _, tiers := range s.set.chains {
		c, err := config.EngineChain(tiers)
		if err != nil {
			continue
		}
		for _, g := range config.Balanced(tiers) {
			if s.book == nil {
				s.book, s.steered = &headroom.Book{}, map[string]bool{}
			}
			for i := g[0]; i < g[1]; i++ {
				s.steered[c.Key(i)] = true
			}
		}
	}
	if s.book != nil && s.store != nil {
		s.store.OnHeadroom(s.peerHeadroom)
	}
}

// peerHeadroom keeps a peer replica's latest limits of a steered
// deployment; others (not in this replica's config) are ignored.
func (s *Server) peerHeadroom(key string, l headroom.Limits) {
	if s.steered[key] {
		s.book.Observe(key, l)
	}
}

// steer returns c with each of its headroom ranges ordered for this request
// (its body, scanned into f); c itself when it has none.
func (s *Server) steer(c *resolved, body []byte, f *jsonscan.Request) *resolved {
	if len(c.balanced) == 0 {
		return c
	}
	need := headroom.Need{Input: s.book.Estimate(len(body)), Output: maxTokens(body, f)}
	now := s.set.clock.Now()
	in := &c.chain
	out := &resolved{chain: *in, quoted: c.quoted}
	out.chain.Models = make([]string, 0, len(in.Models))
	out.chain.Upstreams = make([]string, 0, len(in.Models))
	keep := func(i int) {
		out.chain.Models = append(out.chain.Models, in.Models[i])
		out.chain.Upstreams = append(out.chain.Upstreams, in.Upstream(i))
	}
	next := 0
	for _, g := range c.balanced {
		for ; next < g[0]; next++ {
			keep(next)
		}
		limits := make([]headroom.Limits, g[1]-g[0])
		for j := range limits {
			limits[j] = s.book.Limits(in.Key(g[0] + j))
		}
		try, skip := headroom.Order(limits, need, now)
		for _, j := range try {
			keep(g[0] + j)
		}
		for _, j := range skip {
			s.log.Debug("headroom.skip", slog.String("deployment", in.Key(g[0]+j)),
				slog.Int64("input_tokens", need.Input), slog.Int64("max_tokens", need.Output))
		}
		next = g[1]
	}
	for ; next < len(in.Models); next++ {
		keep(next)
	}
	return out
}

// maxTokens is the request's top-level max_tokens; 0 when it has none.
func maxTokens(body []byte, f *jsonscan.Request) int64 {
	for _, m := range f.Members {
		if string(body[m.KeyStart:m.KeyEnd]) == `"max_tokens"` {
			n, _ := strconv.ParseInt(string(body[m.ValStart:m.ValEnd]), 10, 64)
			return max(n, 0)
		}
	}
	return 0
}

// observe keeps the rate-limit headers of an attempt of a steered deployment.
func (s *Server) observe(a engine.Attempt, res taxonomy.Result) {
	if s.book == nil || res.Header == nil {
		return
	}
	key := engine.Deployment(a.Model, a.Upstream)
	if !s.steered[key] {
		return
	}
	if l, ok := headroom.Parse(res.Header, s.set.clock.Now()); ok {
		s.book.Observe(key, l)
		if s.store != nil {
			s.store.HeadroomSeen(key, l)
		}
	}
}
