package sim_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/sim"
)

// limited is a request body for model with max_tokens n.
func limited(model, prompt string, n int, extra ...string) string {
	return strings.Replace(body(model, prompt, extra...), `"max_tokens":1024`, `"max_tokens":`+strconv.Itoa(n), 1)
}

// usageOf reads usage from a non-streaming answer.
func usageOf(t *testing.T, b []byte) (in, out int64) {
	t.Helper()
	var m struct {
		Usage struct {
			InputTokens  int64 `json:"input_tokens"`
			OutputTokens int64 `json:"output_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Usage.InputTokens < 1 || m.Usage.OutputTokens < 1 {
		t.Fatalf("usage of %s: %v", b, err)
	}
	return m.Usage.InputTokens, m.Usage.OutputTokens
}

// rate is one family of anthropic-ratelimit-* headers.
type rate struct {
	limit, remaining string
	reset            time.Duration // after t0
}

func rateOf(t *testing.T, h http.Header, family string) rate {
	t.Helper()
	p := "anthropic-ratelimit-" + family + "-"
	at, err := time.Parse(time.RFC3339, h.Get(p+"reset"))
	if err != nil {
		t.Fatalf("%sreset %q: %v", p, h.Get(p+"reset"), err)
	}
	return rate{h.Get(p + "limit"), h.Get(p + "remaining"), at.Sub(t0)}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ceilSecond rounds d up to the second, as the reset headers are.
func ceilSecond(d time.Duration) time.Duration {
	if r := d.Truncate(time.Second); r < d {
		return r + time.Second
	}
	return d
}

func TestRateLimitHeadersReportTheBucketsOfTheRequestsUpstreamAndModel(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{
		{Model: "*", RequestsPerMinute: 10, InputTokensPerMinute: 1000, OutputTokensPerMinute: 500}}))
	rec := serve(s, "POST", "/v1/messages", limited("claude-sonnet-5-5", "hello there", 100))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	in, out := usageOf(t, rec.Body.Bytes())
	// Right after admission: one request, the input tokens and max_tokens
	// (100) of output taken; each is whole again when refilled (10 per
	// minute: 6 s a request; 100 of 500 per minute: 12 s).
	h := rec.Header()
	for family, want := range map[string]rate{
		"requests":      {"10", "9", 6 * time.Second},
		"input-tokens":  {"1000", itoa(1000 - in), ceilSecond(time.Duration(in) * time.Minute / 1000)},
		"output-tokens": {"500", "400", 12 * time.Second},
		"tokens":        {"1500", itoa(1500 - in - 100), 12 * time.Second},
	} {
		if got := rateOf(t, h, family); got != want {
			t.Errorf("%s: %+v, want %+v", family, got, want)
		}
	}
	// The next answer shows the first request's output corrected to what
	// it produced, and refills over time.
	clk.Advance(3 * time.Second)
	h = serve(s, "POST", "/v1/messages", limited("claude-sonnet-5-5", "hello there", 100)).Header()
	if got, want := rateOf(t, h, "requests"), (rate{"10", "8", 12 * time.Second}); got != want {
		t.Errorf("second requests: %+v, want %+v", got, want)
	}
	// 500 - out (at t0, refilling 25 in 3 s, never past 500) - 100.
	if got, want := rateOf(t, h, "output-tokens").remaining, itoa(min(500, 500-out+25)-100); got != want {
		t.Errorf("second output-tokens-remaining %s, want %s (the first produced %d)", got, want, out)
	}
	// Another model has buckets of its own; count_tokens takes nothing.
	h = serve(s, "POST", "/v1/messages/count_tokens", `{"model":"claude-haiku-5-5","messages":[{"role":"user","content":"x"}]}`).Header()
	if got, want := rateOf(t, h, "requests"), (rate{"10", "10", 3 * time.Second}); got != want {
		t.Errorf("count_tokens of a fresh model: %+v, want %+v", got, want)
	}
	h = serve(s, "POST", "/v1/messages/count_tokens", `{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"x"}]}`).Header()
	if got := rateOf(t, h, "requests").remaining; got != "8" {
		t.Errorf("count_tokens shows %s requests remaining, want 8 (and takes none)", got)
	}
}

func TestUnlimitedDimensionsAdvertiseTheDefaultsFull(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{{Model: "claude-haiku-5-5", RequestsPerMinute: 5}}))
	for _, model := range []string{"claude-sonnet-5-5", "claude-haiku-5-5"} {
		var h http.Header
		for range 3 {
			h = serve(s, "POST", "/v1/messages", body(model, "hi")).Header()
		}
		want := map[string]rate{"input-tokens": {"2000000", "2000000", 0}, "output-tokens": {"400000", "400000", 0}, "tokens": {"2400000", "2400000", 0}}
		want["requests"] = rate{"4000", "4000", 0}
		if model == "claude-haiku-5-5" {
			want["requests"] = rate{"5", "2", 36 * time.Second}
		}
		for family, w := range want {
			if got := rateOf(t, h, family); got != w {
				t.Errorf("%s %s: %+v, want %+v", model, family, got, w)
			}
		}
	}
}

func TestABucketThatCannotHoldTheRequestAnswers429UntilItRefills(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{{Model: "*", RequestsPerMinute: 2}}))
	send := func() *http.Response {
		return serve(s, "POST", "/v1/messages", body("claude-sonnet-5-5", "hi")).Result()
	}
	for i := range 2 {
		if res := send(); res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	res := send()
	b, _ := io.ReadAll(res.Body)
	if e := decodeError(t, b); res.StatusCode != 429 || e.Error.Type != "rate_limit_error" ||
		!strings.Contains(e.Error.Message, "2 requests per minute") || e.RequestID != res.Header.Get("request-id") {
		t.Fatalf("over the limit: %d %s", res.StatusCode, b)
	}
	// One request refills in 30 s; the bucket is full a minute after t0.
	if res.Header.Get("retry-after") != "30" || rateOf(t, res.Header, "requests") != (rate{"2", "0", time.Minute}) {
		t.Errorf("429 headers: retry-after %q, requests %+v", res.Header.Get("retry-after"), rateOf(t, res.Header, "requests"))
	}
	clk.Advance(29*time.Second + 500*time.Millisecond)
	if res := send(); res.StatusCode != 429 || res.Header.Get("retry-after") != "1" {
		t.Errorf("half a second early: %d, retry-after %q", res.StatusCode, res.Header.Get("retry-after"))
	}
	clk.Advance(500 * time.Millisecond)
	if res := send(); res.StatusCode != 200 {
		t.Errorf("after the refill: %d", res.StatusCode)
	}
	if st := s.Stats().Models["claude-sonnet-5-5"]; st.Outcomes["rate_limited"] != 2 || st.Outcomes["ok"] != 3 {
		t.Errorf("stats %+v", st.Outcomes)
	}
	// Reset refills every bucket.
	s.Reset()
	for i := range 2 {
		if res := send(); res.StatusCode != 200 {
			t.Errorf("after Reset, request %d: %d", i, res.StatusCode)
		}
	}
}

func TestTokenBucketsRefuseByInputTokensAndByMaxTokensAndGiveBackWhatWasNotProduced(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{{Model: "*", InputTokensPerMinute: 600, OutputTokensPerMinute: 300}}))
	// Input: a prompt of about 400 tokens twice does not fit in 600.
	long := strings.Repeat("abcd ", 320)
	if rec := serve(s, "POST", "/v1/messages", limited("claude-opus-5-5", long, 10)); rec.Code != 200 {
		t.Fatalf("first long prompt: %d", rec.Code)
	}
	rec := serve(s, "POST", "/v1/messages", limited("claude-opus-5-5", long, 10))
	if e := decodeError(t, rec.Body.Bytes()); rec.Code != 429 || !strings.Contains(e.Error.Message, "600 input tokens per minute") {
		t.Fatalf("second long prompt: %d %s", rec.Code, rec.Body)
	}
	if ra, _ := strconv.Atoi(rec.Header().Get("retry-after")); ra < 20 || ra > 21 { // 200 missing tokens refill in 20 s
		t.Errorf("retry-after %q, want about 20", rec.Header().Get("retry-after"))
	}

	// Output: max_tokens 200 is taken up front and what the answer did not
	// produce comes back at its end, so a second 200 fits in 300...
	for i := range 3 {
		rec := serve(s, "POST", "/v1/messages", limited("claude-sonnet-5-5", "hi", 200))
		if rec.Code != 200 {
			t.Fatalf("answer %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	// ...also a streamed one, and one a fault answered (nothing produced).
	s.SetRules([]sim.Rule{{Model: "claude-haiku-5-5", Status: 529, Every: 2}})
	for i := range 4 {
		rec := serve(s, "POST", "/v1/messages", limited("claude-haiku-5-5", "hi", 200, `"stream":true`))
		if rec.Code != 200 && rec.Code != 529 {
			t.Fatalf("stream %d: %d", i, rec.Code)
		}
	}
	// The headers of an answer show max_tokens taken; the next request at
	// the same instant finds what the stream did not produce given back.
	s.SetRules(nil)
	s.SetLimits([]sim.Limit{{Model: "*", OutputTokensPerMinute: 300}})
	rec = serve(s, "POST", "/v1/messages", limited("claude-sonnet-5-5", "hi", 200, `"stream":true`))
	if rec.Code != 200 || rateOf(t, rec.Header(), "output-tokens").remaining != "100" {
		t.Fatalf("fresh bucket: %d, output remaining %s", rec.Code, rateOf(t, rec.Header(), "output-tokens").remaining)
	}
	produced := strings.Count(rec.Body.String(), `"type":"text_delta"`) // at least one token a delta
	rec = serve(s, "POST", "/v1/messages/count_tokens", `{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"x"}]}`)
	if left, _ := strconv.Atoi(rateOf(t, rec.Header(), "output-tokens").remaining); rec.Code != 200 || left < 250 || left > 300-produced {
		t.Errorf("after the stream: %d, output remaining %d (the stream sent %d deltas)", rec.Code, left, produced)
	}
}

func TestLimitsAreScopedByUpstreamAndModel(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{
		{Upstream: "anthropic-b", Model: "*", RequestsPerMinute: 1},
		{Model: "claude-haiku-5-5", RequestsPerMinute: 2},
	}))
	code := func(path, model string) int { return serve(s, "POST", path, body(model, "hi")).Code }
	for _, c := range []struct {
		path, model string
		want        int
	}{
		{"/anthropic-b/v1/messages", "claude-sonnet-5-5", 200},
		{"/anthropic-b/v1/messages", "claude-sonnet-5-5", 429}, // one a minute for anthropic-b...
		{"/anthropic-b/v1/messages", "claude-haiku-5-5", 200},  // ...per model: haiku has its own bucket
		{"/anthropic-b/v1/messages", "claude-haiku-5-5", 429},  // the upstream's limit, not the model's
		{"/v1/messages", "claude-sonnet-5-5", 200},             // the default upstream is not limited
		{"/v1/messages", "claude-sonnet-5-5", 200},
		{"/v1/messages", "claude-haiku-5-5", 200}, // two a minute for haiku elsewhere
		{"/v1/messages", "claude-haiku-5-5", 200},
		{"/v1/messages", "claude-haiku-5-5", 429},
		{"/anthropic-c/v1/messages", "claude-haiku-5-5", 200}, // each upstream name its own buckets
	} {
		if got := code(c.path, c.model); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.path, c.model, got, c.want)
		}
	}
	if st := s.Stats().Upstreams["anthropic-b"]; st.Outcomes["rate_limited"] != 2 {
		t.Errorf("anthropic-b stats %+v", st)
	}
}

func TestLimitsAreSetAndReadLiveAtSimLimits(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk))
	doc := `{"limits":[{"upstream":"anthropic-b","model":"*","requests_per_minute":1,"input_tokens_per_minute":20000,"output_tokens_per_minute":8000}]}`
	rec := serve(s, "PUT", "/_sim/limits", doc)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != doc {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(s, "GET", "/_sim/limits", ""); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != doc {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
	if len(s.Limits()) != 1 || s.Limits()[0].OutputTokensPerMinute != 8000 {
		t.Errorf("Limits() %+v", s.Limits())
	}
	path := "/anthropic-b/v1/messages"
	if code := serve(s, "POST", path, body("m", "hi")).Code; code != 200 {
		t.Fatalf("first: %d", code)
	}
	if code := serve(s, "POST", path, body("m", "hi")).Code; code != 429 {
		t.Fatalf("second: %d", code)
	}
	// Setting limits again starts full buckets.
	serve(s, "PUT", "/_sim/limits", doc)
	if code := serve(s, "POST", path, body("m", "hi")).Code; code != 200 {
		t.Errorf("after PUT: %d", code)
	}
	for _, bad := range []string{`{"limits":[{"model":"*","rpm":1}]}`, `{"limits":[{"model":"*","requests_per_minute":-1}]}`, `[`} {
		rec := serve(s, "PUT", "/_sim/limits", bad)
		if e := decodeError(t, rec.Body.Bytes()); rec.Code != 400 || e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, "limits") {
			t.Errorf("PUT %s: %d %s", bad, rec.Code, rec.Body)
		}
	}
	if len(s.Limits()) != 1 {
		t.Errorf("a refused PUT changed the limits: %+v", s.Limits())
	}
	if rec := serve(s, "DELETE", "/_sim/limits", ""); rec.Code != 405 || rec.Header().Get("Allow") != "GET, PUT" {
		t.Errorf("DELETE: %d %v", rec.Code, rec.Header())
	}
	if rec := serve(s, "PUT", "/_sim/limits", `{"limits":[]}`); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"limits":[]}` {
		t.Errorf("clearing: %d %s", rec.Code, rec.Body)
	}
}

func TestTheCloudsOwnWiresAreLimitedWithoutAnthropicHeaders(t *testing.T) {
	_, url, stop, err := sim.Start(sim.WithLimits([]sim.Limit{{Upstream: sim.KindBedrock, Model: "*", RequestsPerMinute: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	path := "/bedrock-us/model/us.anthropic.claude-haiku-5-5/invoke"
	for i, want := range []int{200, 429} {
		res := signedPost(t, url, path, bedrockBody, "bedrock", &testAWS)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want || want == 429 && !strings.HasPrefix(res.Header.Get("x-amzn-errortype"), "ThrottlingException") {
			t.Errorf("request %d: %d %s, want %d", i, res.StatusCode, res.Header.Get("x-amzn-errortype"), want)
		}
		for k := range res.Header {
			if strings.HasPrefix(strings.ToLower(k), "anthropic-ratelimit-") || strings.EqualFold(k, "retry-after") {
				t.Errorf("Bedrock answer %d has %s", i, k)
			}
		}
	}
}

func TestTheGoSDKSeesTheRateLimitHeadersAndThe429(t *testing.T) {
	_, client, _ := start(t, sim.WithLimits([]sim.Limit{{Model: "claude-sonnet-5-5", RequestsPerMinute: 1, OutputTokensPerMinute: 4096}}))
	var res *http.Response
	if _, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"), option.WithResponseInto(&res)); err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("anthropic-ratelimit-requests-limit") != "1" || res.Header.Get("anthropic-ratelimit-requests-remaining") != "0" ||
		res.Header.Get("anthropic-ratelimit-output-tokens-limit") != "4096" || res.Header.Get("anthropic-ratelimit-output-tokens-remaining") != "3072" {
		t.Errorf("headers %v", res.Header)
	}
	if _, err := time.Parse(time.RFC3339, res.Header.Get("anthropic-ratelimit-requests-reset")); err != nil {
		t.Errorf("requests-reset: %v", err)
	}
	_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type() != "rate_limit_error" {
		t.Fatalf("second request: %v", err)
	}
	if ra, _ := strconv.Atoi(apiErr.Response.Header.Get("retry-after")); ra < 59 || ra > 60 {
		t.Errorf("retry-after %q, want 60", apiErr.Response.Header.Get("retry-after"))
	}
}

func TestARequestInFlightHoldsItsMaxTokensUntilItsAnswerEnds(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithLimits([]sim.Limit{{Model: "*", OutputTokensPerMinute: 300}}),
		// Every: only the first request (the message) is delayed, not the peeks.
		sim.WithRules([]sim.Rule{{Model: "claude-opus-5-5", Latency: sim.Duration(time.Second), Every: 1000}}))
	outputLeft := func() int {
		rec := serve(s, "POST", "/v1/messages/count_tokens", `{"model":"claude-opus-5-5","messages":[{"role":"user","content":"x"}]}`)
		n, err := strconv.Atoi(rec.Header().Get("anthropic-ratelimit-output-tokens-remaining"))
		if err != nil {
			t.Fatalf("output-tokens-remaining %q", rec.Header().Get("anthropic-ratelimit-output-tokens-remaining"))
		}
		return n
	}
	done := make(chan *http.Response)
	go func() { done <- serve(s, "POST", "/v1/messages", limited("claude-opus-5-5", "hi", 200)).Result() }()
	clk.WaitForTimers(1)
	if got := outputLeft(); got != 100 {
		t.Errorf("while the answer is delayed: %d output tokens left, want 100", got)
	}
	clk.Advance(time.Second)
	res := <-done
	b, _ := io.ReadAll(res.Body)
	_, out := usageOf(t, b)
	// 100, refilled by 5 in the second, plus the 200 - out not produced.
	if got, want := outputLeft(), min(300, 100+5+200-int(out)); got != want {
		t.Errorf("after the answer: %d output tokens left, want %d (it produced %d)", got, want, out)
	}
}
