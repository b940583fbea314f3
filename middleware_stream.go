package bulwark

import (
	"context"
	"errors"
	"io"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// liveBody is the body of a committed stream as the SDK reads it: the
// events held back before the commit point, then each event as it arrives,
// under the idle timeout. How the stream ends settles its breaker permit
// once: message_stop for it; a stall, a cut or an SSE error event against
// it; Close before the end counts nothing. It is read from one goroutine,
// as the SDK's stream is.
type liveBody struct {
	rd      *sse.Reader
	up      io.ReadCloser // the upstream body
	out     []byte        // bytes not yet read
	watch   *watch.Watcher
	cancel  context.CancelFunc
	pending *engine.Pending
	// parent is the caller's context and sctx the stream's, to classify how
	// the stream ended.
	parent, sctx context.Context
	stopped      bool  // message_stop came
	err          error // how the read ended, once it has
	closed       bool
}

// Read hands on the stream's bytes, a whole event at a time.
func (b *liveBody) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.watch.Await()
		ev, err := b.rd.Next()
		b.watch.Arrived()
		if err != nil {
			b.end(err)
			continue
		}
		switch string(ev.Name) {
		case "message_stop":
			b.stopped = true
			b.pending.Settle(taxonomy.Result{Status: 200})
		case "error":
			errType, msg := parseAPIError(ev.Data)
			b.pending.Settle(taxonomy.Result{Status: 200, StreamError: true, ErrorType: errType, Message: msg})
		}
		b.out = append(b.out[:0], ev.Raw...)
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// end records how the upstream stream ended (err from its reader) and
// settles the permit if no event did.
func (b *liveBody) end(err error) {
	b.watch.Stop()
	switch {
	case errors.Is(err, io.EOF) && b.stopped:
		b.err = io.EOF
		b.pending.Settle(taxonomy.Result{Status: 200})
		b.cancel()
		return
	case b.watch.Expired() == watch.Stall:
		b.err = ErrStalled
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		b.err = ErrStreamCut
	default:
		b.err = err
	}
	res := resultOf(b.parent, b.sctx, err) // a stall cancelled sctx: a timeout
	if res.Err == nil && !res.Canceled && !res.TimedOut {
		res.Err = b.err
	}
	if res.Status == 0 {
		res.Status = 200 // the stream had answered 200
	}
	b.pending.Settle(res)
	b.cancel()
}

// Close ends the stream; before its end it counts nothing for or against
// the model (the caller left). It is safe to call more than once.
func (b *liveBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.err == nil {
		b.err = errors.New("bulwark: read on a closed stream")
		b.pending.Settle(taxonomy.Result{Canceled: true})
	}
	b.watch.Stop()
	b.cancel()
	return b.up.Close()
}
