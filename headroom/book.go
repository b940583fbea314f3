package headroom

import "sync"

// DefaultBytesPerToken is the estimate of a request's body bytes per input
// token before any answer calibrated it: about 4 characters a token for
// English text, a little under for JSON's punctuation.
const DefaultBytesPerToken = 3.5

// calibrationWeight is the weight of each new answer in the bytes-per-token
// average (an exponentially weighted mean over about the last 20 answers).
const calibrationWeight = 0.05

// Book holds the latest limits of each deployment and the bytes-per-token
// ratio learnt from answers. It is safe for concurrent use; the zero value
// is ready. Its keys are deployment keys (engine.Deployment); it keeps only
// those it is told about, which the caller bounds (the configured ones).
type Book struct {
	mu     sync.Mutex
	limits map[string]Limits
	ratio  float64 // bytes per input token; 0 before any calibration
}

// Observe keeps l as the latest limits of key, unless a later answer's are
// already kept.
func (b *Book) Observe(key string, l Limits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limits == nil {
		b.limits = make(map[string]Limits)
	}
	if old, ok := b.limits[key]; !ok || !l.Seen.Before(old.Seen) {
		b.limits[key] = l
	}
}

// Limits returns the latest limits of key (zero when none were seen).
func (b *Book) Limits(key string) Limits {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limits[key]
}

// Snapshot returns a copy of the latest limits of every deployment.
func (b *Book) Snapshot() map[string]Limits {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]Limits, len(b.limits))
	for k, l := range b.limits {
		out[k] = l
	}
	return out
}

// Calibrate learns from an answer: a request of bodyBytes that the upstream
// counted as inputTokens (cache reads and writes included).
func (b *Book) Calibrate(bodyBytes int, inputTokens int64) {
	if bodyBytes <= 0 || inputTokens <= 0 {
		return
	}
	r := float64(bodyBytes) / float64(inputTokens)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ratio == 0 {
		b.ratio = r
	} else {
		b.ratio += calibrationWeight * (r - b.ratio)
	}
}

// Estimate is the input tokens of a request of bodyBytes, from the learnt
// ratio (DefaultBytesPerToken before any answer).
func (b *Book) Estimate(bodyBytes int) int64 {
	b.mu.Lock()
	r := b.ratio
	b.mu.Unlock()
	if r == 0 {
		r = DefaultBytesPerToken
	}
	return int64(float64(bodyBytes)/r) + 1
}
