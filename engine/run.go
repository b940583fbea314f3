package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Run takes call through e's chain of model tiers and returns how it ended,
// with the payload of its latest attempt that returned one (the answer, when
// a model answered); the payloads it replaced went to call.Discard. (A
// function, not a method: Go methods take no type parameters.) It
// never sleeps past the deadline: a wait that does not fit moves on to the next
// tier at once. A tier that has a next model tier keeps back a fallback
// reserve for it (DESIGN §3, see [Profile.FallbackReserve]): its first
// attempt is cut to leave the reserve, and a retry is made only if its wait
// and a minimal attempt fit before it. When every tier failed, a tier that
// was rate limited and whose cooldown ends inside the deadline is tried again
// with its attempts left before the run gives up.
func Run[T comparable](ctx context.Context, e *Engine, call Call[T]) Outcome[T] {
	p := call.Profile
	if p == nil {
		ip := Interactive()
		p = &ip
	}
	r := run[T]{e: e, ctx: ctx, call: &call, p: p, start: e.clock.Now(), allRL: true, at: p.attemptTimeout()}
	r.dl, r.hasDL = e.Deadline(ctx, p, r.start)
	r.out.Attempts = make([]Record, 0, 2)
	r.loop()
	r.out.Took = e.clock.Now().Sub(r.start)
	r.out.Err = reasonErrs[r.out.Reason]
	return r.out
}

type run[T comparable] struct {
	// tierRL: the current tier's last outcome was rate limiting (a 429 or a
	// cooldown skip); allRL: so did every tier ended so far, of which there
	// are tiers. A failed run was rate limited when every tier was.
	tierRL, allRL, inTier bool
	tiers                 int
	// cur is the index of the tier being tried.
	cur int
	// outOfTime: the last pass ended on an attempt timeout with no time
	// left for a retry; a run that ends so ends as DeadlineExceeded.
	outOfTime bool
	// rlTiers has bit i set when model tier i last ended rate limited;
	// revisited has it set once tier i was tried again after its cooldown;
	// noRetry once an answer of tier i asked for no retry (x-should-retry:
	// false), which rules out a revisit too. Tiers past the 64th are never
	// revisited.
	rlTiers, revisited, noRetry uint64
	// rlUntil is the soonest end of a cooldown the run met (zero for none):
	// the failed run's retry-after is counted from it when the run ends.
	rlUntil time.Time

	e     *Engine
	ctx   context.Context
	call  *Call[T]
	p     *Profile
	at    time.Duration
	start time.Time
	dl    time.Time
	hasDL bool
	out   Outcome[T]
	// lastErr is the error text of the last attempt (attemptErr), on its
	// agent.retry or agent.model_failed line.
	lastErr slog.Attr
	// ovf is what a context overflow left the run needing (DESIGN §14).
	ovf overflow
	// fellFrom is the deployment the tier being started fell back from,
	// for its first attempt's span ("" for none).
	fellFrom string
}

// keep makes v, unless it is zero, the run's latest payload, and discards
// the one it replaces.
func (r *run[T]) keep(v T) {
	var zero T
	if v == zero {
		return
	}
	if old := r.out.Answer; old != zero && r.call.Discard != nil {
		r.call.Discard(old)
	}
	r.out.Answer = v
}

// left returns the time left before the deadline, less the reserve.
func (r *run[T]) left(now time.Time) time.Duration {
	if !r.hasDL {
		return noDeadline
	}
	return r.dl.Sub(now) - r.e.reserve
}

func (r *run[T]) loop() {
	if r.pass() {
		return
	}
	if r.out.UpstreamCalls() == 0 && r.waitForRecovery() {
		return
	}
	if r.outOfTime || r.left(r.e.clock.Now()) <= 0 {
		r.hardTimeout()
		return
	}
	last := "none" // every tier was skipped
	if r.out.UpstreamCalls() > 0 {
		last = r.out.Last.Class.String()
	}
	r.log(slog.LevelError, "agent.all_models_failed", slog.Int("attempts", len(r.out.Attempts)),
		slog.String("last_class", last))
	r.end(Exhausted)
}

// pass takes the run once through the chain's model tiers, then the
// revisits after cooldowns, then, if every tier was skipped, the recovery
// probes; it reports whether the run is over.
func (r *run[T]) pass() bool {
	c := &r.call.Chain
	prev := -1
	for ti := range c.Models {
		model := c.Key(ti)
		if !r.ovf.fits(r.window(ti)) {
			r.log(slog.LevelInfo, "agent.tier_skipped", slog.String("model", model), slog.String("why", "context_window"))
			continue
		}
		if prev >= 0 {
			r.e.obs.FellBack(c.Key(prev), model)
			r.log(slog.LevelWarn, "agent.fallback", slog.String("from", c.Key(prev)), slog.String("to", model))
		}
		r.fellFrom = ""
		if prev >= 0 {
			r.fellFrom = c.Key(prev)
		}
		prev = ti
		if r.endTier(r.tier(pass{ti: ti, model: model, from: 1, hasNext: ti < len(c.Models)-1})) {
			return true
		}
	}
	r.fellFrom = ""
	for {
		ps, ok := r.nextRevisit()
		if !ok {
			break
		}
		r.revisited |= 1 << ps.ti
		if r.endTier(r.tier(ps)) {
			return true
		}
	}
	return r.out.UpstreamCalls() == 0 && len(r.out.Attempts) > 0 && r.recover()
}

// endTier closes a tier pass that tier returned, and reports whether the run
// is over: it answered, the caller gave up, the deadline passed, or its last
// decision stops the chain.
func (r *run[T]) endTier(ps pass, last taxonomy.Decision, tried, done bool) bool {
	if done {
		return true
	}
	r.closeTier()
	if !tried {
		return false
	}
	r.log(levelOf(last), "agent.model_failed", slog.String("model", ps.model),
		slog.String("class", last.Class.String()), slog.Bool("page", last.Severity == taxonomy.Page), r.lastErr)
	if last.Next == taxonomy.NextLargerContext {
		// DESIGN §14: on to the next tier whose model has a larger
		// context window; with none, to the caller as a 400.
		w, ok := r.window(ps.ti)
		r.ovf = afterOverflow(r.ovf, w, ok, last)
		if nextFitting(r.ovf, len(r.call.Chain.Models), ps.ti+1, r.window) < 0 {
			r.end(Rejected)
			return true
		}
		return false
	}
	if last.Next != taxonomy.NextYes {
		r.end(Rejected)
		return true
	}
	return false
}

// window returns the context window of model tier i's model.
func (r *run[T]) window(i int) (int, bool) { return r.e.window(r.call.Chain.Models[i]) }

// nextRevisit picks the tier to try again once every tier has failed: one
// that last ended rate limited, was not revisited yet, has attempts left, and
// whose cooldown ends soonest, early enough for the wait and a minimal
// attempt to fit before the deadline.
func (r *run[T]) nextRevisit() (pass, bool) {
	best, found := pass{}, false
	var soonest time.Duration
	left := r.left(r.e.clock.Now())
	for ti := range r.call.Chain.Models {
		model := r.call.Chain.Key(ti)
		bit := uint64(1) << ti
		if ti >= 64 || r.rlTiers&bit == 0 || (r.revisited|r.noRetry)&bit != 0 || !r.ovf.fits(r.window(ti)) {
			continue
		}
		used := r.calls(model)
		if used >= r.p.attempts(ti) {
			continue
		}
		cd := r.e.breakers.CooldownLeft(model)
		plan := planRetry(retryInput{RetryAfter: cd, Left: left, MinAttempt: r.p.minAttempt(), AttemptTimeout: r.at})
		if plan.Skip == retryFits && (!found || cd < soonest) {
			best, found, soonest = pass{ti: ti, model: model, from: used + 1, revisit: true}, true, cd
		}
	}
	return best, found
}

// calls counts the attempts of the run that reached model's upstream.
func (r *run[T]) calls(model string) int {
	n := 0
	for i := range r.out.Attempts {
		if a := &r.out.Attempts[i]; a.Model == model && a.Skipped == breaker.Allow {
			n++
		}
	}
	return n
}

func (r *run[T]) sleep(d time.Duration) bool {
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	t := r.e.clock.NewTimer(d)
	select {
	case <-t.C():
		return true
	case <-r.ctx.Done():
		t.Stop()
		if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
			r.hardTimeout()
		} else {
			r.end(Canceled)
		}
		return false
	}
}

func (r *run[T]) skip(model string, n int, v breaker.Verdict, waited time.Duration) {
	r.out.Attempts = append(r.out.Attempts, Record{Model: model, N: n, Skipped: v, Waited: waited})
	r.e.obs.Skipped(model, v)
	if r.e.tracer != nil {
		r.e.tracer.Skipped(r.ctx, model, v)
	}
	r.tierRL = v == breaker.SkipCooldown
	if r.tierRL {
		r.cooledUntil(r.e.breakers.CooldownLeft(model))
	}
	r.log(slog.LevelInfo, "agent.tier_skipped", slog.String("model", model), slog.String("why", v.String()))
}

// cooledUntil keeps the soonest end of a cooldown d from now.
func (r *run[T]) cooledUntil(d time.Duration) {
	if d <= 0 {
		return
	}
	if u := r.e.clock.Now().Add(d); r.rlUntil.IsZero() || u.Before(r.rlUntil) {
		r.rlUntil = u
	}
}

// closeTier ends the current tier pass for the rate-limit account.
func (r *run[T]) closeTier() {
	if !r.inTier {
		return
	}
	r.tiers++
	r.allRL = r.allRL && r.tierRL
	r.inTier = false
	if r.cur < 64 {
		if r.tierRL {
			r.rlTiers |= 1 << r.cur
		} else {
			r.rlTiers &^= 1 << r.cur
		}
	}
}

func (r *run[T]) hardTimeout() {
	r.log(slog.LevelError, "agent.hard_timeout", slog.Int64("elapsed_ms", r.e.clock.Now().Sub(r.start).Milliseconds()),
		slog.Int("attempts", len(r.out.Attempts)))
	r.end(DeadlineExceeded)
}

func (r *run[T]) end(reason Reason) {
	r.out.Reason = reason
	if reason == Exhausted || reason == DeadlineExceeded {
		r.closeTier()
		r.out.RateLimited = r.tiers > 0 && r.allRL
	}
	if r.out.RateLimited && !r.rlUntil.IsZero() {
		// Counted now, not when the cooldown was met: the run may have
		// waited on other tiers since.
		r.out.RetryAfter = max(r.rlUntil.Sub(r.e.clock.Now()), 0)
	}
}

func (r *run[T]) log(level slog.Level, msg string, attrs ...slog.Attr) {
	if !r.e.log.Enabled(r.ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+2)
	all = append(all, slog.String("request_id", r.call.RequestID))
	all = append(all, attrs...)
	r.e.log.LogAttrs(r.ctx, level, msg, all...)
}

func levelOf(d taxonomy.Decision) slog.Level {
	if d.Severity == taxonomy.Page {
		return slog.LevelError
	}
	return slog.LevelWarn
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// attemptErr is the "error" attribute of an attempt's log lines: the text of
// its transport error (a TLS failure, a refused connection), cut to 200
// bytes; none without one. The caller's AttemptFunc has redacted it.
func attemptErr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("error", truncate(err.Error(), 200))
}
