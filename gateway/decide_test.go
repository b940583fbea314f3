package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestDecideMapsOutcomesToAnswers(t *testing.T) {
	tests := []struct {
		name    string
		out     engine.Report
		kind    answerKind
		status  int
		errType string
		retry   time.Duration
	}{
		{"answered", engine.Report{Reason: engine.Answered}, answerModel, 200, "", 0},
		{"client went away", engine.Report{Reason: engine.Canceled}, answerNone, 499, "", 0},
		{"upstream rejected the request", engine.Report{Reason: engine.Rejected, Last: taxonomy.Decision{Class: taxonomy.BadRequest}}, answerPassBack, 0, "", 0},
		{"rate limited everywhere", engine.Report{Reason: engine.Exhausted, RateLimited: true, RetryAfter: 2500 * time.Millisecond,
			Last: taxonomy.Decision{Class: taxonomy.RateLimited}}, answerError, 429, "rate_limit_error", 2500 * time.Millisecond},
		{"rate limited with no retry-after waits a second", engine.Report{Reason: engine.Exhausted, RateLimited: true},
			answerError, 429, "rate_limit_error", time.Second},
		{"rate limiting wins over the deadline", engine.Report{Reason: engine.DeadlineExceeded, RateLimited: true, RetryAfter: 3 * time.Second},
			answerError, 429, "rate_limit_error", 3 * time.Second},
		{"deadline", engine.Report{Reason: engine.DeadlineExceeded, Last: taxonomy.Decision{Class: taxonomy.Overloaded}},
			answerError, 504, "timeout_error", 0},
		{"last failure an overload", engine.Report{Reason: engine.Exhausted, Last: taxonomy.Decision{Class: taxonomy.Overloaded}},
			answerError, 529, "overloaded_error", 0},
		{"server errors", engine.Report{Reason: engine.Exhausted, Last: taxonomy.Decision{Class: taxonomy.ServerError}},
			answerError, 503, "api_error", 0},
		{"every tier skipped by its breaker", engine.Report{Reason: engine.Exhausted}, answerError, 503, "api_error", 0},
		{"retired model everywhere", engine.Report{Reason: engine.Exhausted, Paged: true, Last: taxonomy.Decision{Class: taxonomy.NotFound}},
			answerError, 503, "api_error", 0},
		{"no credit on the last tier", engine.Report{Reason: engine.Exhausted, Paged: true, Last: taxonomy.Decision{Class: taxonomy.Credit}},
			answerError, 503, "api_error", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := decide(&tt.out)
			if v.kind != tt.kind || v.status != tt.status || v.errType != tt.errType || v.retryAfter != tt.retry {
				t.Fatalf("decide = %+v", v)
			}
			if v.kind == answerError && (!v.tryCache || v.message == "") {
				t.Fatalf("an error answer must try the cache and say something: %+v", v)
			}
			if want := tt.out.Last.Class == taxonomy.NotFound || tt.out.Last.Class == taxonomy.Credit; v.passBack != want {
				t.Fatalf("passBack = %v, want %v: the upstream's request error goes back as it is", v.passBack, want)
			}
			if got := gaveUp(&tt.out); got != (tt.kind == answerError) {
				t.Fatalf("gaveUp = %v: every failure after the gateway's own retries is its verdict (x-should-retry: false)", got)
			}
		})
	}
}

func TestUserFor(t *testing.T) {
	tests := []struct{ meta, header, client, want string }{
		{"u1", "h", "c", "u1"},
		{"", "h", "c", "h"},
		{"", "", "c", "c"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := userFor(tt.meta, tt.header, tt.client); got != tt.want {
			t.Errorf("userFor(%q, %q, %q) = %q, want %q", tt.meta, tt.header, tt.client, got, tt.want)
		}
	}
}

func TestUserIDProblemRefusesIDsOver256Bytes(t *testing.T) {
	max, over := strings.Repeat("u", MaxUserIDBytes), strings.Repeat("u", MaxUserIDBytes+1)
	tests := []struct {
		meta, header string
		want         string // a part of the message; "" for none
	}{
		{"", "", ""},
		{max, max, ""},
		{strings.Repeat("é", MaxUserIDBytes/2), "", ""}, // 256 bytes, 128 characters
		{over, "", "metadata.user_id: must be at most 256 bytes long (got 257)"},
		{"", over, "bulwark-user-id: must be at most 256 bytes long (got 257)"},
		{over, over, "metadata.user_id"},
		{strings.Repeat("é", MaxUserIDBytes/2+1), "", "(got 258)"},
	}
	for _, tt := range tests {
		got := userIDProblem(tt.meta, tt.header)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("userIDProblem(%d bytes, %d bytes) = %q, want %q", len(tt.meta), len(tt.header), got, tt.want)
		}
	}
}

func TestCountsAgainstUser(t *testing.T) {
	tests := []struct {
		name string
		out  engine.Report
		want bool
	}{
		{"bad request", engine.Report{Reason: engine.Rejected, Last: taxonomy.Decision{Class: taxonomy.BadRequest, User: taxonomy.CountFailure}}, true},
		{"bad key is not the user's fault", engine.Report{Reason: engine.Rejected, Last: taxonomy.Decision{Class: taxonomy.Auth}}, false},
		{"deadline", engine.Report{Reason: engine.DeadlineExceeded}, true},
		{"outage", engine.Report{Reason: engine.Exhausted, Last: taxonomy.Decision{Class: taxonomy.Overloaded}}, false},
		{"answered", engine.Report{Reason: engine.Answered}, false},
		{"canceled", engine.Report{Reason: engine.Canceled}, false},
	}
	for _, tt := range tests {
		if got := countsAgainstUser(&tt.out); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPassthroughTierIsAFixedSet(t *testing.T) {
	tests := map[string]string{
		"/v1/messages/count_tokens": tierCountTokens,
		"/v1/models":                tierModels,
		"/v1/models/claude-x":       tierModels,
		"/v1/messages/batches":      tierOther,
		"/v1/anything/at/all/123":   tierOther,
	}
	for path, want := range tests {
		if got := passthroughTier(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

func TestCacheKeyDiffersExactlyWhenTheAnswerMayDiffer(t *testing.T) {
	const body = `{"model":"a","max_tokens":10,"messages":[{"role":"user","content":"hi there"}]}`
	type req struct {
		body, tenant string
		header       http.Header
	}
	base := req{body: body, header: http.Header{"Anthropic-Version": {"2023-06-01"}}}
	with := func(f func(r *req)) req {
		r := base
		r.header = base.header.Clone()
		f(&r)
		return r
	}
	tests := []struct {
		name string
		r    req
		same bool
	}{
		{"the same request", base, true},
		{"another model, stream, member order and spacing", with(func(r *req) {
			r.body = "{ \"messages\" : [ {\"role\": \"user\", \"content\": \"hi there\"} ],\n \"stream\": true, \"max_tokens\": 10, \"model\": \"b\" }"
		}), true},
		{"white space inside a string", with(func(r *req) { r.body = strings.Replace(body, "hi there", "hi  there", 1) }), false},
		{"max_tokens", with(func(r *req) { r.body = strings.Replace(body, "10", "11", 1) }), false},
		{"another tenant", with(func(r *req) { r.tenant = "tenant-b" }), false},
		{"anthropic-version", with(func(r *req) { r.header.Set("Anthropic-Version", "2024-01-01") }), false},
		{"no anthropic-version", with(func(r *req) { r.header.Del("Anthropic-Version") }), false},
		{"anthropic-version padded", with(func(r *req) { r.header.Set("Anthropic-Version", " 2023-06-01\t") }), true},
		{"a beta", with(func(r *req) { r.header.Set("Anthropic-Beta", "files-2025") }), false},
		{"an empty beta header", with(func(r *req) { r.header.Set("Anthropic-Beta", " , ") }), true},
		{"a beta's case", with(func(r *req) { r.header.Set("Anthropic-Beta", "FILES-2025") }), false},
	}
	key := func(r req) string {
		var f jsonscan.Request
		if err := jsonscan.ScanRequest([]byte(r.body), &f); err != nil {
			t.Fatal(err)
		}
		return cacheKey([]byte(r.body), &f, r.tenant, r.header)
	}
	want := key(base)
	for _, tt := range tests {
		if got := key(tt.r); (got == want) != tt.same {
			t.Errorf("%s: same key = %v, want %v", tt.name, got == want, tt.same)
		}
	}

	// Betas are a set: order, spacing, repetition and lines do not count.
	betas := with(func(r *req) { r.header.Set("Anthropic-Beta", "files-2025,tools-2024") })
	for _, v := range [][]string{{"tools-2024, files-2025"}, {" files-2025 ,tools-2024,files-2025,"}, {"tools-2024", "files-2025"}} {
		if r := with(func(r *req) { r.header["Anthropic-Beta"] = v }); key(r) != key(betas) {
			t.Errorf("betas %q: another key than %q", v, "files-2025,tools-2024")
		}
	}
	if r := with(func(r *req) { r.header.Set("Anthropic-Beta", "files-2025") }); key(r) == key(betas) {
		t.Error("a beta fewer: same key")
	}
	// Length prefixes: moving bytes between the parts changes the key.
	if a, b := with(func(r *req) { r.tenant = "ab"; r.header.Set("Anthropic-Version", "c") }),
		with(func(r *req) { r.tenant = "a"; r.header.Set("Anthropic-Version", "bc") }); key(a) == key(b) {
		t.Error("tenant and version are not delimited")
	}
}

func TestBodyReaderRewritesWithoutCopying(t *testing.T) {
	body := []byte(`{"model":"claude-sonnet-5-5","messages":[]}`)
	x := &upstream{inbound: &inbound{body: body, chain: &resolved{quoted: map[string][]byte{}}}}
	if err := jsonscan.ScanRequest(body, &x.f); err != nil {
		t.Fatal(err)
	}
	rc, n := x.bodyFor("claude-haiku-5-5")
	got := make([]byte, 0, n)
	buf := make([]byte, 3) // small reads cross the parts
	for {
		k, err := rc.Read(buf)
		got = append(got, buf[:k]...)
		if err != nil {
			break
		}
	}
	if want := `{"model":"claude-haiku-5-5","messages":[]}`; string(got) != want || int(n) != len(want) {
		t.Fatalf("body %s (%d), want %s", got, n, want)
	}
}
