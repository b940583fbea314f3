package taxonomy

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps a server's requested wait (1 hour): an absurd value is
// treated as this long, which no deadline will wait for.
const MaxRetryAfter = time.Hour

// RetryAfter reads the server's requested wait: retry-after-ms first, then
// retry-after as whole or fractional seconds or as an HTTP date (relative to
// now). A date in the past gives 0. Garbage, negative numbers and absent headers
// give ok=false. Values above MaxRetryAfter are capped to it.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 0 && ms == ms {
			return capWait(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s != s {
			return 0, false
		}
		return capWait(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if !t.After(now) {
			return 0, true
		}
		return capWait(float64(t.Sub(now))), true
	}
	return 0, false
}

func capWait(ns float64) time.Duration {
	if ns >= float64(MaxRetryAfter) {
		return MaxRetryAfter
	}
	return time.Duration(ns)
}
