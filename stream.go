package bulwark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// ErrStalled is the error of a stream that went silent for longer than its
// idle timeout after the first token.
var ErrStalled = errors.New("bulwark: stream stalled")

// ErrStreamCut is the error of a stream that ended without message_stop
// after the first token.
var ErrStreamCut = errors.New("bulwark: stream cut short")

// StreamError is the error of a stream that failed after its commit point
// (the first content_block_delta that carries content), when nothing could be
// retried transparently. Partial holds what was received.
type StreamError struct {
	// Model is the model that was streaming.
	Model string
	// Partial is the message accumulated before the failure.
	Partial anthropic.Message
	// Events is the number of events delivered.
	Events int
	// Err is ErrStalled, ErrStreamCut or the upstream's error event.
	Err error
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("bulwark: stream from %s failed after %d events: %v", e.Model, e.Events, e.Err)
}

// Unwrap returns the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// Stream is a streamed answer. Before its first content (text, tool input,
// thinking) the Guard retries and falls back invisibly; after that the events
// flow as they arrive. How the stream ends counts for or against its model's
// breaker once, when it ends (Close before the end counts nothing).
//
//	s := g.Stream(ctx, params)
//	defer s.Close()
//	for s.Next() { ev := s.Current(); ... }
//	if err := s.Err(); err != nil { partial := s.Message() ... }
type Stream struct {
	committed
	out    Outcome
	err    error
	cur    anthropic.MessageStreamEventUnion
	msg    anthropic.Message
	events int
	done   bool
	traced bool // WithTracerProvider: the answer goes on the attempt's span
}

// committed is a stream attempt that reached its commit point: the stream
// the events are read on from.
type committed struct {
	sdk    *ssestream.Stream[anthropic.MessageStreamEventUnion]
	cancel context.CancelFunc
	held   []anthropic.MessageStreamEventUnion
	watch  *watch.Watcher // its idle timeout
	// parent is the caller's context and sctx the attempt's, to classify
	// how the stream ended.
	parent, sctx context.Context
}

// close releases a committed stream that is not read.
func (c *committed) close() {
	c.watch.Stop()
	c.sdk.Close()
	c.cancel()
}

// streamReply is what one stream attempt brought back: the committed
// stream, or the error that ended it before its commit point.
type streamReply struct {
	c   *committed
	err error
}

// Stream starts a streamed call through the chain. It returns once a model
// has sent its first content (or every tier failed); read the events with Next.
func (g *Guard) Stream(ctx context.Context, params anthropic.MessageNewParams) *Stream {
	out := engine.Run(ctx, g.eng, engine.Call[streamReply]{
		RequestID: requestID(ctx),
		Chain:     g.chain,
		Profile:   &g.profile,
		Stream:    true,
		Do: func(ctx context.Context, a engine.Attempt) (streamReply, taxonomy.Result) {
			p := params
			client, model := g.clientFor(a)
			p.Model = model
			return g.streamAttempt(ctx, client, p, a.Timeout)
		},
		Discard: func(r streamReply) {
			if r.c != nil {
				r.c.close()
			}
		},
	})
	s := &Stream{out: out.Report, traced: g.traced}
	if out.Reason != engine.Answered {
		if out.Answer.c != nil { // committed as the caller gave up
			out.Answer.c.close()
		}
		s.err = &Error{Reason: out.Reason, Outcome: out.Report, Cause: out.Answer.err}
		s.done = true
		return s
	}
	s.committed = *out.Answer.c
	return s
}

// streamAttempt opens one upstream stream and reads it up to the commit
// point (sse.CommitPoint: the first content_block_delta with content, or
// message_stop), watched by the first-token bound of its profile.
func (g *Guard) streamAttempt(ctx context.Context, client *anthropic.Client, p anthropic.MessageNewParams, timeout time.Duration) (streamReply, taxonomy.Result) {
	sctx, cancel := context.WithCancel(ctx)
	w := watch.New(g.eng.Clock(), watch.FirstTokenBound(timeout, g.profile.FirstTokenTimeout), g.profile.IdleTimeout, cancel)
	st := client.Messages.NewStreaming(sctx, p)
	var held []anthropic.MessageStreamEventUnion
	for st.Next() {
		ev := st.Current()
		held = append(held, ev)
		if sse.CommitPoint([]byte(ev.Type), []byte(ev.RawJSON())) {
			if !w.Commit() { // the first-token timer fired as the token came
				break
			}
			c := &committed{sdk: st, cancel: cancel, held: held, watch: w, parent: ctx, sctx: sctx}
			return streamReply{c: c}, taxonomy.Result{Status: 200, Committed: true}
		}
	}
	w.Stop()
	err := st.Err()
	st.Close()
	cancel()
	if w.Expired() == watch.FirstToken {
		return streamReply{err: context.DeadlineExceeded}, taxonomy.Result{TimedOut: true, Err: context.DeadlineExceeded}
	}
	if err == nil {
		err = io.ErrUnexpectedEOF // the stream ended before its first token
	}
	return streamReply{err: err}, resultOf(ctx, sctx, err)
}

// Next advances to the next event; false at the end or on error (see Err).
func (s *Stream) Next() bool {
	if s.done {
		return false
	}
	if len(s.held) > 0 {
		s.cur, s.held = s.held[0], s.held[1:]
		return s.deliver()
	}
	s.watch.Await()
	more := s.sdk.Next()
	s.watch.Arrived()
	if more {
		s.cur = s.sdk.Current()
		return s.deliver()
	}
	s.finish(s.sdk.Err())
	return false
}

func (s *Stream) deliver() bool {
	s.events++
	_ = s.msg.Accumulate(s.cur)
	if s.cur.Type == "message_stop" {
		s.finish(nil)
		s.done = true
		return true
	}
	return true
}

func (s *Stream) finish(err error) {
	if s.done {
		return
	}
	s.done = true
	if s.watch != nil {
		s.watch.Stop()
	}
	if s.traced && s.sctx != nil {
		// Before Settle, which ends the attempt's span.
		messageResponse(&s.msg).Record(trace.SpanFromContext(s.sctx))
	}
	if s.cur.Type == "message_stop" {
		s.out.Pending.Settle(taxonomy.Result{Status: 200})
	} else {
		res := resultOf(s.parent, s.sctx, err) // a stall cancelled sctx: a timeout
		switch {
		case s.watch != nil && s.watch.Expired() == watch.Stall:
			err = ErrStalled
		case err == nil:
			err = ErrStreamCut
			res.Err = err
		}
		if res.Status == 0 {
			res.Status = 200 // the stream had answered 200
		}
		s.out.Pending.Settle(res)
		s.err = &StreamError{Model: s.out.Model, Partial: s.msg, Events: s.events, Err: err}
	}
	if s.sdk != nil {
		s.sdk.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
}

// Current returns the event Next advanced to.
func (s *Stream) Current() anthropic.MessageStreamEventUnion { return s.cur }

// Err returns nil after a complete stream; an *Error when no tier answered;
// a *StreamError when the stream failed after its first token.
func (s *Stream) Err() error { return s.err }

// Message returns the message accumulated so far (the partial answer after a failure).
func (s *Stream) Message() anthropic.Message { return s.msg }

// Outcome returns how the chain went before the stream committed.
func (s *Stream) Outcome() Outcome { return s.out }

// Close releases the stream. It is safe to call more than once.
func (s *Stream) Close() error {
	if !s.done {
		s.done = true
		s.out.Pending.Settle(taxonomy.Result{Canceled: true}) // the caller left: counts nothing
		if s.watch != nil {
			s.watch.Stop()
		}
		if s.sdk != nil {
			s.sdk.Close()
		}
		if s.cancel != nil {
			s.cancel()
		}
	}
	return nil
}

// messageResponse is what the accumulated message m says of itself, for
// the attempt's span.
func messageResponse(m *anthropic.Message) tracing.Response {
	in, out := m.Usage.InputTokens, m.Usage.OutputTokens
	cw, cr := m.Usage.CacheCreationInputTokens, m.Usage.CacheReadInputTokens
	return tracing.Response{ID: m.ID, Model: string(m.Model), FinishReason: string(m.StopReason),
		Usage: tracing.Usage{InputTokens: &in, OutputTokens: &out, CacheCreationInputTokens: &cw, CacheReadInputTokens: &cr}}
}
