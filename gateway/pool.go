package gateway

import (
	"bytes"
	"sync"

	"github.com/bulwarkhq/bulwark/sse"
)

// maxPooled is the largest buffer returned to a pool: bigger ones (a 30 MiB
// request) are left to the garbage collector rather than kept forever.
const maxPooled = 1 << 20

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

func putBuf(b *bytes.Buffer) {
	if b == nil || b.Cap() > maxPooled {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

var readerPool = sync.Pool{New: func() any { return sse.NewReader(nil) }}

func getReader() *sse.Reader { return readerPool.Get().(*sse.Reader) }

func putReader(r *sse.Reader) {
	if r == nil || r.BufferSize() > 64<<10 {
		return
	}
	r.Reset(nil)
	readerPool.Put(r)
}
