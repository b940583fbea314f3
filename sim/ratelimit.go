package sim

import (
	"sync"
	"time"
)

// advertisedRPM is the requests-per-minute limit the headers show for a
// model without a WithRPM limit.
const advertisedRPM = 4000

// limiter enforces WithRPM limits with a sliding 60-second window per model,
// and keeps a cheap fixed-window count for the headers of unlimited models.
type limiter struct {
	limits map[string]int // model or "*" -> requests per minute; read-only

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	times []time.Time // accepted requests in the last minute, oldest first (limited models)
	start time.Time   // fixed window start (unlimited models)
	count int
}

// rateInfo is what the anthropic-ratelimit-requests-* headers say.
type rateInfo struct {
	limit     int
	remaining int
	reset     time.Time
	now       time.Time
}

func newLimiter(limits map[string]int) *limiter {
	cp := map[string]int{}
	for k, v := range limits {
		cp[k] = v
	}
	return &limiter{limits: cp, windows: map[string]*window{}}
}

func (l *limiter) limitOf(model string) int {
	if n, ok := l.limits[model]; ok {
		return n
	}
	return l.limits["*"]
}

// take counts a request to model at now. When the model is over its limit
// it returns ok=false and the wait until a slot frees; the request is then
// not counted.
func (l *limiter) take(model string, now time.Time) (info rateInfo, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[model]
	if w == nil {
		w = &window{}
		l.windows[model] = w
	}
	n := l.limitOf(model)
	if n <= 0 {
		if w.count == 0 || !now.Before(w.start.Add(time.Minute)) {
			w.start, w.count = now, 0
		}
		w.count++
		return rateInfo{limit: advertisedRPM, remaining: max(0, advertisedRPM-w.count), reset: w.start.Add(time.Minute), now: now}, 0, true
	}
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
	if len(w.times) >= n {
		free := w.times[0].Add(time.Minute)
		return rateInfo{limit: n, remaining: 0, reset: free, now: now}, free.Sub(now), false
	}
	w.times = append(w.times, now)
	return rateInfo{limit: n, remaining: n - len(w.times), reset: now.Add(time.Minute), now: now}, 0, true
}

// peek returns the header values for a request that is not counted.
func (l *limiter) peek(model string, now time.Time) rateInfo {
	n := l.limitOf(model)
	if n <= 0 {
		n = advertisedRPM
	}
	return rateInfo{limit: n, remaining: n, reset: now, now: now}
}

// reset forgets every window.
func (l *limiter) reset() {
	l.mu.Lock()
	l.windows = map[string]*window{}
	l.mu.Unlock()
}
