package headroom

import (
	"net/http"
	"strconv"
	"time"
)

// Bucket is one rate limit of a deployment as its latest answer told it.
type Bucket struct {
	// Limit is the bucket's size; Remaining what is left of it.
	Limit     int64 `json:"limit"`
	Remaining int64 `json:"remaining"`
	// Reset is when the bucket is full again.
	Reset time.Time `json:"reset,omitzero"`
	// Known is set when the answer carried the bucket's headers.
	Known bool `json:"known"`
}

// Limits are a deployment's buckets: requests, and tokens — input, output
// and both together — per minute.
type Limits struct {
	Requests     Bucket `json:"requests"`
	Tokens       Bucket `json:"tokens"`
	InputTokens  Bucket `json:"input_tokens"`
	OutputTokens Bucket `json:"output_tokens"`
	// Seen is when the answer carrying them arrived.
	Seen time.Time `json:"seen"`
}

// bucketHeaders are each bucket's header prefix, in the order of Limits.
var bucketHeaders = [4]string{
	"Anthropic-Ratelimit-Requests-",
	"Anthropic-Ratelimit-Tokens-",
	"Anthropic-Ratelimit-Input-Tokens-",
	"Anthropic-Ratelimit-Output-Tokens-",
}

// Parse reads the anthropic-ratelimit-{requests,tokens,input-tokens,
// output-tokens}-{limit,remaining,reset} headers of an answer that arrived
// at now (reset is RFC 3339). ok is false when none of the buckets is there.
func Parse(h http.Header, now time.Time) (l Limits, ok bool) {
	bs := l.buckets()
	for i, prefix := range bucketHeaders {
		b, found := parseBucket(h, prefix)
		*bs[i] = b
		ok = ok || found
	}
	l.Seen = now
	return l, ok
}

func (l *Limits) buckets() [4]*Bucket {
	return [4]*Bucket{&l.Requests, &l.Tokens, &l.InputTokens, &l.OutputTokens}
}

func parseBucket(h http.Header, prefix string) (Bucket, bool) {
	lim, err1 := strconv.ParseInt(first(h, prefix+"Limit"), 10, 64)
	rem, err2 := strconv.ParseInt(first(h, prefix+"Remaining"), 10, 64)
	if err1 != nil || err2 != nil || lim < 0 || rem < 0 {
		return Bucket{}, false
	}
	b := Bucket{Limit: lim, Remaining: min(rem, lim), Known: true}
	if t, err := time.Parse(time.RFC3339, first(h, prefix+"Reset")); err == nil {
		b.Reset = t
	}
	return b, true
}

// first is h's first value for a canonical key, without allocating.
func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
