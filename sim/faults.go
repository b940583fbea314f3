package sim

import (
	"net"
	"net/http"
	"strconv"
	"time"
)

// plan is what the fault rules do to one request.
type plan struct {
	latency time.Duration
	kind    faultKind
	rule    Rule   // the rule that decided kind, when kind != faultNone
	echo    string // the credentials to echo (Rule.EchoKey)
	toolUse string // the tool an applying rule asks to call, "*" the first (Rule.ToolUse)
}

// withEcho appends the credentials to echo to an error message.
func (p *plan) withEcho(msg string) string {
	if p.echo == "" {
		return msg
	}
	return msg + " (x-api-key: " + p.echo + ")"
}

// outcome is the Stats key for the plan.
func (p *plan) outcome() string { return p.kind.outcome(p.rule.Status) }

// plan draws the rules in force for a request to model on r's upstream: the
// live rules, then the current script phase's.
func (s *Server) plan(r *http.Request, model string, stream bool) plan {
	up := upstreamOf(r)
	var phase []Rule
	var phaseHits []uint64
	if s.script != nil {
		i := s.script.phaseAt(s.clock.Now().Sub(s.start))
		phase, phaseHits = s.script.Phases[i].Rules, s.phaseHits[i]
	}
	var p plan
	s.mu.Lock()
	defer s.mu.Unlock()
	hits := [2][]uint64{s.hits, phaseHits}
	for k, set := range [2][]Rule{s.rules, phase} {
		for i := range set {
			rule := &set[i]
			if !rule.matches(up, model) {
				continue
			}
			if rule.Rate > 0 && rule.Rate < 1 && s.rng.Float64() >= rule.Rate {
				continue
			}
			if rule.Every > 1 {
				n := hits[k][i]
				hits[k][i]++
				if n%uint64(rule.Every) != 0 {
					continue
				}
			}
			p.latency += time.Duration(rule.Latency)
			if p.toolUse == "" {
				p.toolUse = rule.ToolUse
			}
			if p.kind == faultNone {
				if k := rule.fault(stream); k != faultNone {
					p.kind, p.rule = k, *rule
				}
			}
		}
	}
	return p
}

// phase returns the index and rules of the script phase in force, or -1.
func (s *Server) phase() (int, []Rule) {
	if s.script == nil {
		return -1, nil
	}
	i := s.script.phaseAt(s.clock.Now().Sub(s.start))
	return i, s.script.Phases[i].Rules
}

// preAnswer applies the plan's latency and the faults that replace the
// answer (reset, hang, status, and malformed when malformedBody is set). It
// reports whether the request is finished.
func (s *Server) preAnswer(w http.ResponseWriter, r *http.Request, p *plan, model string, malformedBody []byte) bool {
	if p.latency > 0 {
		if err := s.wait(r.Context(), p.latency); err != nil {
			abort(err)
			return true
		}
	}
	if p.rule.ShouldRetry != nil {
		w.Header().Set("x-should-retry", strconv.FormatBool(*p.rule.ShouldRetry))
	}
	if p.rule.EchoKey {
		p.echo = r.Header.Get("X-Api-Key")
		if p.echo == "" {
			p.echo = r.Header.Get("Authorization")
		}
		w.Header().Set("x-echo-key", p.echo)
	}
	switch p.kind {
	case faultReset:
		resetConn(w)
		return true
	case faultHang:
		abort(s.waitForever(r.Context()))
		return true
	case faultStatus:
		typ := p.rule.ErrorType
		if typ == "" {
			typ = errorTypeFor(p.rule.Status)
		}
		msg := p.rule.Message
		if msg == "" {
			msg = messageFor(typ, model)
		}
		if ra := time.Duration(p.rule.RetryAfter); ra > 0 {
			w.Header().Set("retry-after", strconv.FormatInt(retryAfterSeconds(ra), 10))
			w.Header().Set("retry-after-ms", strconv.FormatInt(ra.Milliseconds(), 10))
		}
		s.writeError(w, r, p.rule.Status, typ, p.withEcho(msg))
		return true
	case faultMalformed:
		if malformedBody != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(malformedBody[:len(malformedBody)/2])
			return true
		}
	}
	return false
}

// resetConn cuts the connection under w with a TCP RST and no HTTP answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: drop what we can
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
