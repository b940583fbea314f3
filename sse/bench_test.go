package sse_test

import (
	"bytes"
	"testing"

	"github.com/bulwarkhq/bulwark/sse"
)

func BenchmarkReader(b *testing.B) {
	ev := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello there\"}}\n\n")
	stream := bytes.Repeat(ev, 100)
	src := bytes.NewReader(stream)
	r := sse.NewReader(src)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(stream)
		r.Reset(src)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
