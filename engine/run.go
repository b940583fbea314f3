package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Run takes call through its chain's model tiers and returns how it ended. It
// never sleeps past the deadline: a wait that does not fit moves on to the next
// tier at once, and an attempt (or retry wait) on a tier starts only if the
// next model tier keeps one full attempt timeout after it — except for a tier's
// first attempt, which is always made while time is left.
func (e *Engine) Run(ctx context.Context, call Call) Outcome {
	p := call.Profile
	if p == nil {
		ip := Interactive()
		p = &ip
	}
	r := run{e: e, ctx: ctx, call: &call, p: p, start: e.clock.Now(), allRL: true}
	r.dl, r.hasDL = e.Deadline(ctx, p, r.start)
	r.out.Attempts = make([]Record, 0, 2)
	r.loop()
	r.out.Took = e.clock.Now().Sub(r.start)
	r.out.Err = reasonErrs[r.out.Reason]
	return r.out
}

type run struct {
	// tierRL: the current tier's last outcome was rate limiting (a 429 or a
	// cooldown skip); allRL: so did every tier ended so far, of which there
	// are tiers. A failed run was rate limited when every tier was.
	tierRL, allRL, inTier bool
	tiers                 int

	e     *Engine
	ctx   context.Context
	call  *Call
	p     *Profile
	start time.Time
	dl    time.Time
	hasDL bool
	out   Outcome
	// lastErr is the error text of the last attempt (attemptErr), on its
	// agent.retry or agent.model_failed line.
	lastErr slog.Attr
}

// left returns the time left before the deadline, less the reserve.
func (r *run) left(now time.Time) time.Duration {
	if !r.hasDL {
		return 1<<63 - 1
	}
	return r.dl.Sub(now) - r.e.reserve
}

func (r *run) loop() {
	models := r.call.Chain.Models
	at := r.p.attemptTimeout()
	for ti, model := range models {
		if ti > 0 {
			r.e.obs.FellBack(models[ti-1], model)
			r.log(slog.LevelWarn, "agent.fallback", slog.String("from", models[ti-1]), slog.String("to", model))
		}
		hasNext := ti < len(models)-1
		r.tierRL, r.inTier = false, true
		last, tried, done := r.tier(ti, model, at, hasNext)
		if done {
			return
		}
		r.closeTier()
		if !tried {
			continue
		}
		r.log(levelOf(last), "agent.model_failed", slog.String("model", model),
			slog.String("class", last.Class.String()), slog.Bool("page", last.Severity == taxonomy.Page), r.lastErr)
		if last.Next != taxonomy.NextYes {
			r.end(Rejected)
			return
		}
	}
	if r.left(r.e.clock.Now()) <= 0 {
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

// tier makes the attempts on one model tier. It returns the last decision,
// whether any attempt was made, and whether the run is over.
func (r *run) tier(ti int, model string, at time.Duration, hasNext bool) (last taxonomy.Decision, tried, done bool) {
	var prevWait time.Duration
	for n := 1; n <= r.p.attempts(ti); n++ {
		var wait time.Duration
		if n > 1 {
			if !last.Retry {
				return last, tried, false
			}
			wait = r.p.Backoff.Delay(n-1, prevWait, r.e.rnd)
			prevWait = wait
			if last.HasRetryAfter && last.RetryAfter > wait {
				wait = last.RetryAfter // jitter never shortens a server's retry-after
			}
			if !r.fits(wait, at, hasNext) {
				r.log(slog.LevelInfo, "agent.retry_skipped", slog.String("model", model),
					slog.Int64("wait_ms", wait.Milliseconds()), slog.String("why", "deadline"))
				return last, tried, false
			}
			if !r.e.budget.TryRetryAt(r.e.clock.Now()) {
				r.log(slog.LevelWarn, "agent.retry_skipped", slog.String("model", model), slog.String("why", "retry_budget"))
				return last, tried, false
			}
			if !r.sleep(wait) {
				return last, tried, true
			}
		}
		now := r.e.clock.Now()
		left := r.left(now)
		if left <= 0 {
			r.hardTimeout()
			return last, tried, true
		}
		permit, v := r.e.breakers.Acquire(model)
		if v != breaker.Allow {
			r.skip(model, n, v, wait)
			return last, tried, false
		}
		if n == 1 {
			r.e.budget.OnAttemptAt(now)
		} else {
			// Counted once the breaker lets the retry through: a retry the
			// breaker refuses is a skip, not a retry.
			r.e.obs.Retried(model, last.Class)
			r.log(slog.LevelWarn, "agent.retry", slog.String("model", model), slog.Int("attempt", n),
				slog.Int64("wait_ms", wait.Milliseconds()), slog.String("after", last.Class.String()), r.lastErr)
		}
		timeout := min(at, left)
		if r.e.log.Enabled(r.ctx, slog.LevelDebug) {
			r.log(slog.LevelDebug, "agent.call", slog.String("model", model), slog.Int("attempt", n),
				slog.Int64("timeout_ms", timeout.Milliseconds()))
		}
		res := r.call.Do(r.ctx, Attempt{Model: model, Tier: ti, N: n, Timeout: timeout})
		end := r.e.clock.Now()
		r.lastErr = attemptErr(res.Err)
		if err := r.ctx.Err(); err != nil && !res.TimedOut {
			res.Canceled = true
		}
		d := taxonomy.Classify(res, end)
		if res.Committed && d.OK() {
			// A committed stream is settled at its real end, by the caller.
			r.out.Pending = &Pending{e: r.e, permit: permit}
		} else {
			permit.Done(d.Model)
		}
		if d.Cooldown > 0 {
			r.e.breakers.Cooldown(model, d.Cooldown)
		}
		r.e.obs.Attempted(model, res.Status, d, end.Sub(now))
		r.out.Attempts = append(r.out.Attempts, Record{Model: model, N: n, Class: d.Class, Status: res.Status, Waited: wait, Took: end.Sub(now)})
		r.out.Last, r.out.Tier = d, ti
		last, tried = d, true
		switch {
		case d.OK():
			r.out.Model = model
			r.out.Fallback = ti > 0
			r.end(Answered)
			return last, tried, true
		case d.Class == taxonomy.Canceled:
			if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
				r.hardTimeout()
			} else {
				r.end(Canceled)
			}
			return last, tried, true
		}
		r.tierRL = d.Class == taxonomy.RateLimited
		if r.tierRL {
			r.retryAfter(d.Cooldown)
		}
		if d.Severity == taxonomy.Page {
			r.out.Paged = true
			r.log(slog.LevelError, "agent.misconfig", slog.String("model", model), slog.Int("status", res.Status),
				slog.String("class", d.Class.String()), slog.String("error_type", res.ErrorType),
				slog.String("upstream_message", truncate(res.Message, 200)), slog.Bool("page", true))
		}
	}
	return last, tried, false
}

// fits reports whether a retry that first waits wait may start: the wait must
// fit in the time left, and the next model tier must keep one full attempt
// timeout after this attempt.
func (r *run) fits(wait, at time.Duration, hasNext bool) bool {
	if !r.hasDL {
		return true
	}
	left := r.left(r.e.clock.Now())
	if wait >= left {
		return false
	}
	if hasNext && left-wait-min(at, left-wait) < at {
		return false
	}
	return true
}

func (r *run) sleep(d time.Duration) bool {
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

func (r *run) skip(model string, n int, v breaker.Verdict, waited time.Duration) {
	r.out.Attempts = append(r.out.Attempts, Record{Model: model, N: n, Skipped: v, Waited: waited})
	r.e.obs.Skipped(model, v)
	r.tierRL = v == breaker.SkipCooldown
	if r.tierRL {
		r.retryAfter(r.e.breakers.CooldownLeft(model))
	}
	r.log(slog.LevelInfo, "agent.tier_skipped", slog.String("model", model), slog.String("why", v.String()))
}

// retryAfter keeps the shortest wait a rate-limited tier asked for.
func (r *run) retryAfter(d time.Duration) {
	if d > 0 && (r.out.RetryAfter == 0 || d < r.out.RetryAfter) {
		r.out.RetryAfter = d
	}
}

// closeTier ends the current tier for the rate-limit account.
func (r *run) closeTier() {
	if r.inTier {
		r.tiers++
		r.allRL = r.allRL && r.tierRL
		r.inTier = false
	}
}

func (r *run) hardTimeout() {
	r.log(slog.LevelError, "agent.hard_timeout", slog.Int64("elapsed_ms", r.e.clock.Now().Sub(r.start).Milliseconds()),
		slog.Int("attempts", len(r.out.Attempts)))
	r.end(DeadlineExceeded)
}

func (r *run) end(reason Reason) {
	r.out.Reason = reason
	if reason == Exhausted || reason == DeadlineExceeded {
		r.closeTier()
		r.out.RateLimited = r.tiers > 0 && r.allRL
	}
	if !r.out.RateLimited {
		r.out.RetryAfter = 0
	}
}

func (r *run) log(level slog.Level, msg string, attrs ...slog.Attr) {
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
