package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/tracing"
)

// record is what a request did, beyond what was written (the record
// role): the run's outcome, the model and path that answered, the tokens
// answered and thrown away. finish turns it, with the inbound request and
// the responder, into the agent.request_complete line and the observer's
// Completion (metrics, cost, the store's user breaker in afterRun).
type record struct {
	start time.Time
	// out is the run's outcome; its Answer (the reply the client gets) is
	// released when the request ends.
	out       *outcome
	modelUsed string
	fallback  bool
	degraded  Degraded
	usage     catalog.Usage
	hasUsage  bool
	// discarded is the usage of attempts thrown away after the upstream
	// had started (billed, never delivered), on discardedModel; mu guards
	// them while a hedge and the attempt it hedged run at once.
	mu             sync.Mutex
	discarded      catalog.Usage
	discardedModel string
}

// discard counts the usage of an attempt on model that was thrown away.
func (rec *record) discard(model string, u catalog.Usage) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.discarded.InputTokens += u.InputTokens
	rec.discarded.OutputTokens += u.OutputTokens
	rec.discarded.CacheCreationInputTokens += u.CacheCreationInputTokens
	rec.discarded.CacheReadInputTokens += u.CacheReadInputTokens
	rec.discardedModel = model
}

// afterRun counts a request-caused failure against the user.
func (x *exchange) afterRun(out *engine.Report) {
	if x.user == "" || x.s.store == nil || !countsAgainstUser(out) {
		return
	}
	if x.s.store.UserFailed(context.WithoutCancel(x.ctx), x.user) {
		x.logf(slog.LevelWarn, "user_breaker.open", slog.String("user", x.user),
			slog.String("reason", out.Reason.String()))
		if co, ok := x.s.obs.(CutOffObserver); ok {
			co.UserCutOff(x.user)
		}
	}
}

// finish releases the request's buffers, logs agent.request_complete and
// tells the observer.
func (x *exchange) finish() {
	x.release()
	d := time.Since(x.start)
	if x.status == 0 {
		x.status = statusClientClosed
	}
	level := slog.LevelInfo
	if x.status >= 500 {
		level = slog.LevelWarn
	}
	if x.s.log.Enabled(x.ctx, level) {
		attrs := make([]slog.Attr, 0, 16)
		attrs = append(attrs,
			slog.String("request_id", x.id),
			slog.String("endpoint", x.endpoint),
			slog.String("model", x.f.Model),
			slog.String("model_used", x.modelUsed),
			slog.Bool("fallback", x.fallback),
			slog.Int("attempts", x.attempts()),
			slog.Int("status", x.status),
			slog.Int64("duration_ms", d.Milliseconds()),
			slog.Bool("stream", x.f.Stream))
		if x.out != nil && x.out.Model != "" {
			attrs = append(attrs, slog.String("upstream", upstreamName(x.out.Upstream)))
		}
		if x.profile != nil {
			attrs = append(attrs, slog.String("profile", x.profile.Name))
		}
		if x.out != nil {
			attrs = append(attrs, slog.String("reason", x.out.Reason.String()))
		}
		if x.degraded != DegradedNone {
			attrs = append(attrs, slog.String("degraded", x.degraded.String()))
		}
		if x.streamEnd != "" {
			attrs = append(attrs, slog.String("stream_end", x.streamEnd), slog.Int("events", x.events),
				slog.Int64("bytes", x.sent), slog.Int64("first_byte_ms", x.firstByte.Milliseconds()))
		}
		x.s.log.LogAttrs(context.Background(), level, "agent.request_complete", attrs...)
	}
	if x.trace != nil {
		x.trace.End(tracing.Outcome{RequestID: x.id, Status: x.status, Report: x.report(), Degraded: x.degraded.String(),
			StreamEnd: x.streamEnd, Usage: x.usage, HasUsage: x.hasUsage})
	}
	if x.s.book != nil && x.hasUsage && x.endpoint == EndpointMessages {
		u := x.usage // the body's bytes per input token, for steering (steer.go)
		x.s.book.Calibrate(len(x.body), u.InputTokens+u.CacheCreationInputTokens+u.CacheReadInputTokens)
	}
	if x.s.obs != nil {
		x.s.obs.Completed(&Completion{
			RequestID: x.id, Endpoint: x.endpoint, Model: x.f.Model, ModelUsed: x.modelUsed,
			Fallback: x.fallback, Degraded: x.degraded, Stream: x.f.Stream, Status: x.status,
			Outcome: x.report(), Duration: d, FirstByte: x.firstByte, StreamEnd: x.streamEnd,
			Usage: x.usage, HasUsage: x.hasUsage, User: x.user,
			Discarded: x.discarded, DiscardedModel: x.discardedModel,
		})
	}
}

// report is the run's account, nil before a run.
func (rec *record) report() *engine.Report {
	if rec.out == nil {
		return nil
	}
	return &rec.out.Report
}

func (rec *record) attempts() int {
	if rec.out == nil {
		return 0
	}
	return rec.out.UpstreamCalls()
}
