package metrics

import (
	"sync"
	"sync/atomic"
)

// SeriesSeconds is the length of the per-second series and of the longest
// rate window, in seconds (5 minutes).
const SeriesSeconds = 300

// bucket counts the requests of one second.
type bucket struct {
	sec                                 atomic.Int64 // Unix second it counts; reset when reused
	requests, fallbacks, errors, static atomic.Int64
}

// window is a ring of per-second buckets. Adding is lock-free except for the
// first request of each second, which resets the bucket it reuses.
type window struct {
	b     [SeriesSeconds]bucket
	reset sync.Mutex
}

func newWindow() *window {
	w := &window{}
	for i := range w.b {
		w.b[i].sec.Store(-1)
	}
	return w
}

func (w *window) slot(sec int64) *bucket {
	i := sec % SeriesSeconds
	if i < 0 {
		i += SeriesSeconds
	}
	return &w.b[i]
}

// add counts one request with the outcome flags fl in second sec.
func (w *window) add(sec int64, fl uint8) {
	b := w.slot(sec)
	if s := b.sec.Load(); s != sec {
		if s > sec {
			return // the bucket already counts a later second: sec is too old
		}
		w.reset.Lock()
		if b.sec.Load() < sec {
			b.requests.Store(0)
			b.fallbacks.Store(0)
			b.errors.Store(0)
			b.static.Store(0)
			b.sec.Store(sec)
		}
		w.reset.Unlock()
	}
	b.requests.Add(1)
	if fl&fFallback != 0 {
		b.fallbacks.Add(1)
	}
	if fl&fError != 0 {
		b.errors.Add(1)
	}
	if fl&fStatic != 0 {
		b.static.Add(1)
	}
}

// Point is one second of the series in [Status].
type Point struct {
	// T is the second, in Unix seconds.
	T int64 `json:"t"`
	// Requests, Fallbacks, Errors and Static count the requests that ended
	// in that second (see [Rates] for what each counts).
	Requests  int64 `json:"requests"`
	Fallbacks int64 `json:"fallbacks"`
	Errors    int64 `json:"errors"`
	Static    int64 `json:"static"`
}

// series returns the SeriesSeconds points ending with second now, oldest
// first; seconds with no requests are zero.
func (w *window) series(now int64) []Point {
	out := make([]Point, SeriesSeconds)
	for i := range out {
		sec := now - SeriesSeconds + 1 + int64(i)
		p := Point{T: sec}
		if b := w.slot(sec); b.sec.Load() == sec {
			p.Requests, p.Fallbacks = b.requests.Load(), b.fallbacks.Load()
			p.Errors, p.Static = b.errors.Load(), b.static.Load()
		}
		out[i] = p
	}
	return out
}
