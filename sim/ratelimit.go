package sim

import (
	"sync"
	"time"
)

// The limits the headers advertise for an unlimited dimension (always with
// the whole amount remaining).
const (
	advertisedRPM       = 4000
	advertisedInputTPM  = 2_000_000
	advertisedOutputTPM = 400_000
)

// limiter enforces the Limits (token buckets per upstream name and model)
// and the WithRPM limits (a sliding 60-second window per model, on every
// upstream); a request must pass both.
type limiter struct {
	rpm map[string]int // WithRPM: model or "*" -> requests per minute; read-only

	mu      sync.Mutex
	limits  []Limit
	gen     uint64 // bumped when the buckets are dropped, so late corrections are ignored
	buckets map[bucketKey]*buckets
	windows map[string]*window // WithRPM windows per model
}

type bucketKey struct{ upstream, model string }

// buckets are the three buckets of one upstream name and model under limit;
// a bucket with perMinute 0 is unlimited.
type buckets struct {
	limit                   Limit
	requests, input, output bucket
}

// window holds a WithRPM model's accepted requests of the last minute,
// oldest first.
type window struct{ times []time.Time }

// rateState is what the anthropic-ratelimit-* headers say.
type rateState struct {
	requests, input, output family
}

// family is one kind of limit in the headers: the limit per minute, what
// remains now, and when it is whole again.
type family struct {
	limit, remaining int64
	reset            time.Time
}

// tokens is the anthropic-ratelimit-tokens-* family: with no combined
// limit the API reports the sum of input and output tokens, whole again
// when both are.
func (st rateState) tokens() family {
	f := family{limit: st.input.limit + st.output.limit, remaining: st.input.remaining + st.output.remaining, reset: st.input.reset}
	if st.output.reset.After(f.reset) {
		f.reset = st.output.reset
	}
	return f
}

// charge is what admit took from the buckets, for settle.
type charge struct {
	key    bucketKey
	gen    uint64
	output int64 // output tokens taken up front; 0 when none were
}

// refusal says why a request was refused: the limit (in what per minute)
// that cannot hold it, and the wait until every bucket can.
type refusal struct {
	what  string // "requests", "input tokens" or "output tokens"
	limit int64
	wait  time.Duration
}

func newLimiter(rpm map[string]int, limits []Limit) *limiter {
	cp := map[string]int{}
	for k, v := range rpm {
		cp[k] = v
	}
	l := &limiter{rpm: cp}
	l.set(limits)
	return l
}

// set replaces the limits; every bucket starts full again.
func (l *limiter) set(limits []Limit) {
	cp := append([]Limit{}, limits...)
	l.mu.Lock()
	l.limits = cp
	l.dropLocked()
	l.mu.Unlock()
}

// get returns a copy of the limits.
func (l *limiter) get() []Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Limit{}, l.limits...)
}

// reset refills every bucket and forgets every window.
func (l *limiter) reset() {
	l.mu.Lock()
	l.dropLocked()
	l.mu.Unlock()
}

func (l *limiter) dropLocked() {
	l.gen++
	l.buckets = map[bucketKey]*buckets{}
	l.windows = map[string]*window{}
}

func (l *limiter) rpmOf(model string) int {
	if n, ok := l.rpm[model]; ok {
		return n
	}
	return l.rpm["*"]
}

// bucketsLocked returns the buckets of up and model, nil when no limit
// applies; with create it makes full ones on first use.
func (l *limiter) bucketsLocked(up upstream, model string, create bool) *buckets {
	key := bucketKey{up.name, model}
	if b := l.buckets[key]; b != nil {
		return b
	}
	lim, ok := limitFor(l.limits, up, model)
	if !ok {
		return nil
	}
	b := &buckets{limit: lim,
		requests: bucket{perMinute: lim.RequestsPerMinute},
		input:    bucket{perMinute: lim.InputTokensPerMinute},
		output:   bucket{perMinute: lim.OutputTokensPerMinute}}
	if create {
		l.buckets[key] = b
	}
	return b
}

// admit decides a request to up for model with input (estimated) input
// tokens and output (max_tokens) output tokens at now. Admitted, it takes
// them from the buckets and returns the headers' state after that and the
// charge to settle; refused, it takes nothing and returns the refusal.
func (l *limiter) admit(up upstream, model string, input, output int64, now time.Time) (rateState, *refusal, charge) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ref *refusal
	w, n := l.windowLocked(model, now)
	if w != nil && len(w.times) >= n {
		ref = &refusal{what: "requests", limit: int64(n), wait: w.times[0].Add(time.Minute).Sub(now)}
	}
	b := l.bucketsLocked(up, model, true)
	if b != nil {
		for _, d := range []struct {
			what string
			b    bucket
			cost int64
		}{{"requests", b.requests, 1}, {"input tokens", b.input, input}, {"output tokens", b.output, output}} {
			if d.b.perMinute == 0 {
				continue
			}
			if wait := d.b.wait(d.cost, now); wait > 0 && (ref == nil || wait > ref.wait) {
				ref = &refusal{what: d.what, limit: d.b.perMinute, wait: wait}
			}
		}
	}
	if ref != nil {
		return l.stateLocked(b, w, n, now), ref, charge{}
	}
	c := charge{key: bucketKey{up.name, model}, gen: l.gen}
	if w != nil {
		w.times = append(w.times, now)
	}
	if b != nil {
		if b.requests.perMinute > 0 {
			b.requests = b.requests.take(1, now)
		}
		if b.input.perMinute > 0 {
			b.input = b.input.take(input, now)
		}
		if b.output.perMinute > 0 {
			b.output = b.output.take(output, now)
			c.output = output
		}
	}
	return l.stateLocked(b, w, n, now), nil, c
}

// settle corrects an admitted request's output tokens to the actual count.
func (l *limiter) settle(c charge, actual int64, now time.Time) {
	if c.output <= actual {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[c.key]; b != nil && c.gen == l.gen {
		b.output = b.output.refund(c.output-max(actual, 0), now)
	}
}

// peek returns the headers' state for a request that takes nothing.
func (l *limiter) peek(up upstream, model string, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, n := l.windowLocked(model, now)
	return l.stateLocked(l.bucketsLocked(up, model, false), w, n, now)
}

// windowLocked returns model's WithRPM window pruned to the last minute
// and its limit, or nil when model has none.
func (l *limiter) windowLocked(model string, now time.Time) (*window, int) {
	n := l.rpmOf(model)
	if n <= 0 {
		return nil, 0
	}
	w := l.windows[model]
	if w == nil {
		w = &window{}
		l.windows[model] = w
	}
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
	return w, n
}

// stateLocked is the headers' state of buckets b (nil: unlimited) and the
// WithRPM window w of limit n (nil: none): each family from its bucket, or
// the advertised limit, full; the requests family from whichever of the
// bucket and the window has less remaining.
func (l *limiter) stateLocked(b *buckets, w *window, n int, now time.Time) rateState {
	fam := func(bk bucket, advertised int64) family {
		if bk.perMinute == 0 {
			return family{limit: advertised, remaining: advertised, reset: now}
		}
		return family{limit: bk.perMinute, remaining: max(0, bk.remaining(now)), reset: bk.reset(now)}
	}
	var st rateState
	if b == nil {
		b = &buckets{}
	}
	st.requests = fam(b.requests, advertisedRPM)
	st.input = fam(b.input, advertisedInputTPM)
	st.output = fam(b.output, advertisedOutputTPM)
	if w != nil {
		wf := family{limit: int64(n), remaining: int64(max(0, n-len(w.times))), reset: now}
		if len(w.times) > 0 {
			wf.reset = w.times[len(w.times)-1].Add(time.Minute)
		}
		if b.requests.perMinute == 0 || wf.remaining < st.requests.remaining {
			st.requests = wf
		}
	}
	return st
}
