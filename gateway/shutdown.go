package gateway

import (
	"context"
	"sync/atomic"
	"time"
)

// cutWait bounds how long a shutdown whose grace ran out waits for the
// streams it cut to send their SSE error event and end before it closes
// every connection: 1 s.
const cutWait = time.Second

// streamCut lets a shutdown whose grace ran out end the committed streams
// still open with an SSE error event, before their connections close
// (DESIGN §5). Make one with newStreamCut.
type streamCut struct {
	ctx    context.Context // done once the grace has ended
	cancel context.CancelFunc
	open   atomic.Int64
}

func newStreamCut() *streamCut {
	ctx, cancel := context.WithCancel(context.Background())
	return &streamCut{ctx: ctx, cancel: cancel}
}

// track registers a committed stream being forwarded: cut is called once,
// from another goroutine, when the grace ends while the stream is open (at
// once when it already has). untrack ends the registration.
func (c *streamCut) track(cut func()) (untrack func()) {
	c.open.Add(1)
	stop := context.AfterFunc(c.ctx, cut)
	return func() {
		stop()
		c.open.Add(-1)
	}
}

// cutAll cuts every stream tracked and returns how many were open.
func (c *streamCut) cutAll() int64 {
	n := c.open.Load()
	c.cancel()
	return n
}
