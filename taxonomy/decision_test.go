package taxonomy_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestClassifyFollowsTheDecisionTable(t *testing.T) {
	Y, N, O, L := taxonomy.NextYes, taxonomy.NextNo, taxonomy.NextOtherCredentials, taxonomy.NextLargerContext
	S, F, Z := taxonomy.CountSuccess, taxonomy.CountFailure, taxonomy.Neutral
	tests := []struct {
		name     string
		in       taxonomy.Result
		class    taxonomy.Class
		retry    bool
		next     taxonomy.Next
		model    taxonomy.Effect
		user     taxonomy.Effect
		severity taxonomy.Severity
	}{
		{"200 ok", taxonomy.Result{Status: 200}, taxonomy.Success, false, N, S, Z, taxonomy.Info},
		{"400 invalid request", taxonomy.Result{Status: 400, ErrorType: "invalid_request_error", Message: "max_tokens: field required"}, taxonomy.BadRequest, false, N, Z, F, taxonomy.Warn},
		{"400 credit balance", taxonomy.Result{Status: 400, ErrorType: "invalid_request_error", Message: "Your credit balance is too low to access the Anthropic API."}, taxonomy.Credit, false, Y, Z, Z, taxonomy.Page},
		{"401 authentication", taxonomy.Result{Status: 401, ErrorType: "authentication_error"}, taxonomy.Auth, false, O, Z, Z, taxonomy.Page},
		{"403 permission", taxonomy.Result{Status: 403, ErrorType: "permission_error"}, taxonomy.Auth, false, O, Z, Z, taxonomy.Page},
		{"404 model", taxonomy.Result{Status: 404, ErrorType: "not_found_error"}, taxonomy.NotFound, false, Y, Z, Z, taxonomy.Page},
		{"413 too large", taxonomy.Result{Status: 413, ErrorType: "request_too_large"}, taxonomy.TooLarge, false, N, Z, F, taxonomy.Warn},
		{"408", taxonomy.Result{Status: 408}, taxonomy.Conflict, true, Y, F, Z, taxonomy.Warn},
		{"409", taxonomy.Result{Status: 409}, taxonomy.Conflict, true, Y, F, Z, taxonomy.Warn},
		{"429", taxonomy.Result{Status: 429, ErrorType: "rate_limit_error"}, taxonomy.RateLimited, true, Y, Z, Z, taxonomy.Warn},
		{"500", taxonomy.Result{Status: 500, ErrorType: "api_error"}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"502", taxonomy.Result{Status: 502}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"503", taxonomy.Result{Status: 503}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"504", taxonomy.Result{Status: 504}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"529", taxonomy.Result{Status: 529, ErrorType: "overloaded_error"}, taxonomy.Overloaded, true, Y, F, Z, taxonomy.Warn},
		{"connection refused", taxonomy.Result{Err: errors.New("dial tcp: connection refused")}, taxonomy.Network, true, Y, F, Z, taxonomy.Warn},
		{"attempt timeout", taxonomy.Result{TimedOut: true, Err: errors.New("context deadline exceeded")}, taxonomy.Timeout, true, Y, F, Z, taxonomy.Warn},
		{"body cut on a 200", taxonomy.Result{Status: 200, Err: errors.New("unexpected EOF")}, taxonomy.Network, true, Y, F, Z, taxonomy.Warn},
		{"malformed 200", taxonomy.Result{Status: 200, Err: taxonomy.ErrMalformed}, taxonomy.Network, true, Y, F, Z, taxonomy.Warn},
		{"SSE overloaded before first token", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "overloaded_error"}, taxonomy.Overloaded, true, Y, F, Z, taxonomy.Warn},
		{"SSE invalid request", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "invalid_request_error"}, taxonomy.BadRequest, false, N, Z, F, taxonomy.Warn},
		{"SSE api_error", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "api_error"}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"SSE rate limit", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "rate_limit_error"}, taxonomy.RateLimited, true, Y, Z, Z, taxonomy.Warn},
		{"SSE not found", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "not_found_error"}, taxonomy.NotFound, false, Y, Z, Z, taxonomy.Page},
		{"caller cancelled", taxonomy.Result{Canceled: true, Err: errors.New("context canceled")}, taxonomy.Canceled, false, N, Z, Z, taxonomy.Info},
		{"unknown 4xx", taxonomy.Result{Status: 422}, taxonomy.OtherClient, false, N, Z, F, taxonomy.Warn},
		{"400 prompt too long", taxonomy.Result{Status: 400, ErrorType: "invalid_request_error", Message: "prompt is too long: 209353 tokens > 199999 maximum"}, taxonomy.ContextOverflow, false, L, Z, F, taxonomy.Warn},
		{"SSE prompt too long", taxonomy.Result{Status: 200, StreamError: true, ErrorType: "invalid_request_error", Message: "prompt is too long: 1 tokens > 0 maximum"}, taxonomy.ContextOverflow, false, L, Z, F, taxonomy.Warn},
		{"400 max_tokens too large is not an overflow", taxonomy.Result{Status: 400, ErrorType: "invalid_request_error", Message: "max_tokens: 10000 > 4096, which is the maximum allowed number of output tokens"}, taxonomy.BadRequest, false, N, Z, F, taxonomy.Warn},
		{"unknown 5xx", taxonomy.Result{Status: 599}, taxonomy.ServerError, true, Y, F, Z, taxonomy.Warn},
		{"3xx is not an answer", taxonomy.Result{Status: 302}, taxonomy.Network, true, Y, F, Z, taxonomy.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := taxonomy.Classify(tt.in, now)
			if d.Class != tt.class || d.Retry != tt.retry || d.Next != tt.next || d.Model != tt.model || d.User != tt.user || d.Severity != tt.severity {
				t.Fatalf("got class=%v retry=%v next=%v model=%v user=%v severity=%v\nwant class=%v retry=%v next=%v model=%v user=%v severity=%v",
					d.Class, d.Retry, d.Next, d.Model, d.User, d.Severity, tt.class, tt.retry, tt.next, tt.model, tt.user, tt.severity)
			}
		})
	}
}

func TestXShouldRetryOverridesRetryButNotNextTier(t *testing.T) {
	d := taxonomy.Classify(taxonomy.Result{Status: 529, Header: hdr("x-should-retry", "false")}, now)
	if d.Retry || d.Next != taxonomy.NextYes {
		t.Fatalf("529 + x-should-retry:false: retry=%v next=%v, want false, yes", d.Retry, d.Next)
	}
	d = taxonomy.Classify(taxonomy.Result{Status: 400, Header: hdr("x-should-retry", "true")}, now)
	if !d.Retry || d.Next != taxonomy.NextNo {
		t.Fatalf("400 + x-should-retry:true: retry=%v next=%v, want true, no", d.Retry, d.Next)
	}
	d = taxonomy.Classify(taxonomy.Result{Status: 200, Header: hdr("x-should-retry", "true")}, now)
	if d.Retry {
		t.Fatal("a success is never retried")
	}
}

func TestNoRetryForbidsARetryEvenWhenTheUpstreamAsksForOne(t *testing.T) {
	for _, r := range []taxonomy.Result{
		{Err: errors.New("connection reset by peer"), NoRetry: true},
		{TimedOut: true, Err: errors.New("context deadline exceeded"), NoRetry: true},
		{Status: 500, Header: hdr("x-should-retry", "true"), NoRetry: true},
	} {
		d := taxonomy.Classify(r, now)
		if d.Retry || d.Next != taxonomy.NextYes || d.Model != taxonomy.CountFailure {
			t.Fatalf("%+v: retry=%v next=%v model=%v, want no retry, the same next tier and breaker effect", r, d.Retry, d.Next, d.Model)
		}
	}
}

func TestRateLimitWithRetryAfterStartsACooldown(t *testing.T) {
	d := taxonomy.Classify(taxonomy.Result{Status: 429, Header: hdr("retry-after", "7")}, now)
	if !d.HasRetryAfter || d.RetryAfter != 7*time.Second || d.Cooldown != 7*time.Second {
		t.Fatalf("got retry-after %v (%v), cooldown %v; want 7s", d.RetryAfter, d.HasRetryAfter, d.Cooldown)
	}
	d = taxonomy.Classify(taxonomy.Result{Status: 529, Header: hdr("retry-after", "7")}, now)
	if d.Cooldown != 0 || d.RetryAfter != 7*time.Second {
		t.Fatalf("529: cooldown %v retry-after %v; want no cooldown, 7s wait", d.Cooldown, d.RetryAfter)
	}
	d = taxonomy.Classify(taxonomy.Result{Status: 429}, now)
	if d.Cooldown != 0 || d.HasRetryAfter {
		t.Fatal("a 429 without retry-after starts no cooldown")
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"absent", hdr(), 0, false},
		{"seconds", hdr("retry-after", "2"), 2 * time.Second, true},
		{"fractional seconds", hdr("retry-after", "1.5"), 1500 * time.Millisecond, true},
		{"milliseconds first", hdr("retry-after-ms", "250", "retry-after", "9"), 250 * time.Millisecond, true},
		{"bad ms falls back to seconds", hdr("retry-after-ms", "soon", "retry-after", "3"), 3 * time.Second, true},
		{"http date", hdr("retry-after", now.Add(30*time.Second).Format(http.TimeFormat)), 30 * time.Second, true},
		{"past http date", hdr("retry-after", now.Add(-time.Hour).Format(http.TimeFormat)), 0, true},
		{"garbage", hdr("retry-after", "tomorrow-ish"), 0, false},
		{"negative", hdr("retry-after", "-5"), 0, false},
		{"NaN", hdr("retry-after", "NaN"), 0, false},
		{"absurd seconds", hdr("retry-after", "99999999999"), taxonomy.MaxRetryAfter, true},
		{"absurd ms", hdr("retry-after-ms", "1e300"), taxonomy.MaxRetryAfter, true},
		{"zero", hdr("retry-after", "0"), 0, true},
		{"spaces", hdr("retry-after", " 4 "), 4 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := taxonomy.RetryAfter(tt.h, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("RetryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestClassStringsAreStable(t *testing.T) {
	if taxonomy.Overloaded.String() != "overloaded" || taxonomy.Class(200).String() != "unknown" {
		t.Fatal("class names changed: they are metric labels")
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "1.5", "", "-1", "NaN", "Inf", "1e309", "Wed, 21 Oct 2015 07:28:00 GMT", "0x10"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, ms, secs string) {
		d, ok := taxonomy.RetryAfter(hdr("retry-after-ms", ms, "retry-after", secs), now)
		if d < 0 || d > taxonomy.MaxRetryAfter {
			t.Fatalf("RetryAfter(%q, %q) = %v out of range", ms, secs, d)
		}
		if !ok && d != 0 {
			t.Fatalf("not ok but %v", d)
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	r := taxonomy.Result{Status: 429, Header: hdr("retry-after", "2", "x-should-retry", "true")}
	b.ReportAllocs()
	for b.Loop() {
		taxonomy.Classify(r, now)
	}
}
