package sim_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/sim"
)

func asAPIError(t *testing.T, err error) *anthropic.Error {
	t.Helper()
	var apierr *anthropic.Error
	if !errors.As(err, &apierr) {
		t.Fatalf("error %v (%T) is not an *anthropic.Error", err, err)
	}
	return apierr
}

func TestStatusRulesSurfaceAsTheRealAPIErrors(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name       string
		rule       sim.Rule
		status     int
		errType    string
		message    string
		retryAfter string
		retryMS    string
		should     string
	}{
		{name: "overloaded", rule: sim.Rule{Status: 529}, status: 529, errType: "overloaded_error", message: "Overloaded"},
		{name: "rate limited with retry-after", rule: sim.Rule{Status: 429, RetryAfter: sim.Duration(1500 * time.Millisecond)},
			status: 429, errType: "rate_limit_error", retryAfter: "2", retryMS: "1500"},
		{name: "api error", rule: sim.Rule{Status: 500}, status: 500, errType: "api_error"},
		{name: "unavailable", rule: sim.Rule{Status: 503, ShouldRetry: &yes}, status: 503, errType: "api_error", should: "true"},
		{name: "bad key", rule: sim.Rule{Status: 401, ShouldRetry: &no}, status: 401, errType: "authentication_error", should: "false"},
		{name: "forbidden", rule: sim.Rule{Status: 403}, status: 403, errType: "permission_error"},
		{name: "retired model", rule: sim.Rule{Status: 404}, status: 404, errType: "not_found_error", message: "model: claude-sonnet-5-5"},
		{name: "too large", rule: sim.Rule{Status: 413}, status: 413, errType: "request_too_large"},
		{name: "credit balance", rule: sim.Rule{Status: 400, Message: "Your credit balance is too low to access the Anthropic API."},
			status: 400, errType: "invalid_request_error", message: "Your credit balance is too low to access the Anthropic API."},
		{name: "explicit type", rule: sim.Rule{Status: 500, ErrorType: "overloaded_error"}, status: 500, errType: "overloaded_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.rule.Model = "claude-sonnet-5-5"
			s, client, _ := start(t, sim.WithRules([]sim.Rule{c.rule}))
			_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
			apierr := asAPIError(t, err)
			if apierr.StatusCode != c.status || string(apierr.Type()) != c.errType {
				t.Errorf("got %d %s, want %d %s", apierr.StatusCode, apierr.Type(), c.status, c.errType)
			}
			if c.message != "" && apierr.Message != c.message {
				t.Errorf("message %q, want %q", apierr.Message, c.message)
			}
			if !strings.HasPrefix(apierr.RequestID, "req_") {
				t.Errorf("request id %q", apierr.RequestID)
			}
			h := apierr.Response.Header
			if h.Get("retry-after") != c.retryAfter || h.Get("retry-after-ms") != c.retryMS || h.Get("x-should-retry") != c.should {
				t.Errorf("retry-after %q retry-after-ms %q x-should-retry %q", h.Get("retry-after"), h.Get("retry-after-ms"), h.Get("x-should-retry"))
			}
			key := fmt.Sprintf("status_%d", c.status)
			if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes[key]; got != 1 {
				t.Errorf("outcome %s counted %d times: %+v", key, got, s.Stats())
			}
		})
	}
}

func TestStatusRuleOnAStreamIsAnHTTPError(t *testing.T) {
	_, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", Status: 529}}))
	stream := client.Messages.NewStreaming(ctx(t), params("claude-haiku-5-5", "hi"))
	defer stream.Close()
	if stream.Next() {
		t.Fatal("got an event")
	}
	if e := asAPIError(t, stream.Err()); e.StatusCode != 529 || e.Type() != "overloaded_error" {
		t.Errorf("got %d %s", e.StatusCode, e.Type())
	}
}

// streamUntilError reads a stream and returns the event types, the text
// accumulated and the stream's error.
func streamUntilError(t *testing.T, client anthropic.Client, p anthropic.MessageNewParams) ([]string, string, error) {
	t.Helper()
	stream := client.Messages.NewStreaming(ctx(t), p)
	defer stream.Close()
	var types []string
	var acc anthropic.Message
	for stream.Next() {
		ev := stream.Current()
		types = append(types, string(ev.Type))
		_ = acc.Accumulate(ev)
	}
	text := ""
	if len(acc.Content) > 0 {
		text = acc.Content[0].Text
	}
	return types, text, stream.Err()
}

func TestStreamErrorEventEndsTheSDKStreamWithAnAPIError(t *testing.T) {
	t.Run("before any token", func(t *testing.T) {
		s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", StreamError: true}}))
		types, _, err := streamUntilError(t, client, params("claude-sonnet-5-5", "hi"))
		e := asAPIError(t, err)
		if e.StatusCode != 200 || e.Type() != "overloaded_error" || e.Message != "Overloaded" {
			t.Errorf("got %d %s %q", e.StatusCode, e.Type(), e.Message)
		}
		if strings.Join(types, " ") != "message_start" {
			t.Errorf("events before the error: %v", types)
		}
		if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes["stream_error"]; got != 1 {
			t.Errorf("stream_error counted %d", got)
		}
	})
	t.Run("after 5 tokens", func(t *testing.T) {
		_, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", StreamErrorAfterTokens: 5, ErrorType: "api_error", Message: "boom"}}))
		_, text, err := streamUntilError(t, client, params("claude-sonnet-5-5", "a longer prompt for the stream"))
		if e := asAPIError(t, err); e.Type() != "api_error" || e.Message != "boom" {
			t.Errorf("got %s %q", e.Type(), e.Message)
		}
		if n := len(strings.Fields(text)); n != 5 {
			t.Errorf("delivered %q (%d tokens), want 5", text, n)
		}
	})
	t.Run("not on non-streaming requests", func(t *testing.T) {
		_, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", StreamError: true}, {Model: "*", Status: 500}}))
		_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
		if e := asAPIError(t, err); e.StatusCode != 500 {
			t.Errorf("the stream-only rule should be skipped and the next one apply: %d", e.StatusCode)
		}
	})
}

func TestResetGivesAConnectionError(t *testing.T) {
	s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", Reset: true}}))
	_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
	if err == nil {
		t.Fatal("no error")
	}
	var apierr *anthropic.Error
	if errors.As(err, &apierr) {
		t.Fatalf("got an API error %v, want a connection error", err)
	}
	var netErr net.Error
	if !errors.As(err, &netErr) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("error %v does not look like a cut connection", err)
	}
	if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes["reset"]; got != 1 {
		t.Errorf("reset counted %d", got)
	}
}

func TestHangIsBoundedByTheClientTimeoutAndTheHandlerExits(t *testing.T) {
	s, url, stop, err := sim.Start(sim.WithRules([]sim.Rule{{Model: "*", Hang: true}}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	client := newClient(t, url, option.WithRequestTimeout(50*time.Millisecond))
	began := time.Now()
	_, err = client.Messages.New(context.Background(), params("claude-sonnet-5-5", "hi"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want a deadline", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("took %v", d)
	}
	waitIdle(t, s)
	if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes["hang"]; got != 1 {
		t.Errorf("hang counted %d", got)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", Hang: true}, {Model: "stall", StreamStall: true}}))
	errs := make(chan error, 2)
	go func() {
		_, err := client.Messages.New(context.Background(), params("claude-sonnet-5-5", "hi"))
		errs <- err
	}()
	go func() {
		_, _, err := streamUntilError(t, client, params("stall", "hi"))
		errs <- err
	}()
	for s.ActiveHandlers() < 2 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	for range 2 {
		select {
		case err := <-errs:
			if err == nil {
				t.Error("a released request should fail (connection dropped)")
			}
		case <-time.After(3 * time.Second):
			t.Fatal("Close did not release the hung requests")
		}
	}
	waitIdle(t, s)
}

func TestMalformedGivesADecodeError(t *testing.T) {
	s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "*", Malformed: true}}))
	_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
	var apierr *anthropic.Error
	if err == nil || errors.As(err, &apierr) {
		t.Fatalf("error %v, want a JSON decode error", err)
	}
	types, _, err := streamUntilError(t, client, params("claude-sonnet-5-5", "hi"))
	if err == nil || errors.As(err, &apierr) {
		t.Fatalf("stream error %v, want a JSON decode error", err)
	}
	if strings.Join(types, " ") != "message_start content_block_start" {
		t.Errorf("events before the broken one: %v", types)
	}
	if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes["malformed"]; got != 2 {
		t.Errorf("malformed counted %d", got)
	}
}

func TestStallIsAGapInTheStream(t *testing.T) {
	const stall = 80 * time.Millisecond
	s, _, url := start(t, sim.WithSeed(2), sim.WithRules([]sim.Rule{{Model: "*", StallAfterTokens: 3, Stall: sim.Duration(stall)}}))
	res, err := (&netClient{t}).post(url, body("claude-sonnet-5-5", "tell me a story", `"stream":true`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	evs := readEvents(t, res.Body)
	if got := names(evs); got != "message_start content_block_start ping content_block_delta content_block_stop message_delta message_stop" {
		t.Fatalf("a stall should end normally, got %s", got)
	}
	var gapAt, tokens int
	var gap time.Duration
	for i := 1; i < len(evs); i++ {
		if d := evs[i].at.Sub(evs[i-1].at); d > gap {
			gap, gapAt = d, i
		}
	}
	for _, e := range evs[:gapAt] {
		if e.name == "content_block_delta" {
			var d struct {
				Delta struct{ Text string } `json:"delta"`
			}
			_ = jsonUnmarshal(e.data, &d)
			tokens += len(strings.Fields(d.Delta.Text))
		}
	}
	if gap < stall-10*time.Millisecond || tokens != 3 {
		t.Errorf("largest gap %v after %d tokens, want about %v after 3", gap, tokens, stall)
	}
	if got := s.Stats().Models["claude-sonnet-5-5"].Outcomes["stall"]; got != 1 {
		t.Errorf("stall counted %d", got)
	}
}

func TestStallForeverEndsWhenTheClientGoes(t *testing.T) {
	s, url, stop, err := sim.Start(sim.WithRules([]sim.Rule{{Model: "*", StreamStall: true}}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	client := newClient(t, url)
	c, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	stream := client.Messages.NewStreaming(c, params("claude-sonnet-5-5", "hi"))
	var types []string
	for stream.Next() {
		types = append(types, string(stream.Current().Type))
	}
	stream.Close()
	if stream.Err() == nil || strings.Join(types, " ") != "message_start content_block_start" {
		t.Errorf("events %v err %v: want the stream silent before the first delta, then the deadline", types, stream.Err())
	}
	waitIdle(t, s)
}

func TestLatencyAddsUpAndCombinesWithAnError(t *testing.T) {
	_, client, _ := start(t, sim.WithRules([]sim.Rule{
		{Model: "*", Latency: sim.Duration(20 * time.Millisecond)},
		{Model: "claude-sonnet-5-5", Latency: sim.Duration(20 * time.Millisecond), Status: 500},
		{Model: "claude-sonnet-5-5", Status: 529}, // an earlier error rule wins
	}))
	began := time.Now()
	_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
	if d := time.Since(began); d < 40*time.Millisecond {
		t.Errorf("answered after %v, want >= 40ms", d)
	}
	if e := asAPIError(t, err); e.StatusCode != 500 {
		t.Errorf("status %d, want the first error rule's 500", e.StatusCode)
	}
	began = time.Now()
	if _, err := client.Messages.New(ctx(t), params("claude-haiku-5-5", "hi")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 20*time.Millisecond {
		t.Errorf("haiku answered after %v, want >= 20ms", d)
	}
}

func TestRulesMatchTheirModelOnly(t *testing.T) {
	s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", Status: 529}}))
	if _, err := client.Messages.New(ctx(t), params("claude-haiku-5-5", "hi")); err != nil {
		t.Errorf("haiku: %v", err)
	}
	if _, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi")); err == nil {
		t.Error("sonnet: no error")
	}
	st := s.Stats()
	if st.Models["claude-haiku-5-5"].Outcomes["ok"] != 1 || st.Models["claude-sonnet-5-5"].Outcomes["status_529"] != 1 || st.Requests != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateDrawsAreRepeatableWithASeed(t *testing.T) {
	outcomes := func(seed int64) string {
		s := sim.New(sim.WithSeed(seed), sim.WithRules([]sim.Rule{{Model: "*", Status: 529, Rate: 0.5}}))
		var b strings.Builder
		for range 40 {
			rec := serve(s, "POST", "/v1/messages", body("claude-sonnet-5-5", "hi"))
			b.WriteString(map[int]string{200: "o", 529: "x"}[rec.Code])
		}
		return b.String()
	}
	a, b, c := outcomes(7), outcomes(7), outcomes(8)
	if a != b {
		t.Errorf("seed 7 drew %s then %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 drew the same %s", a)
	}
	if n := strings.Count(a, "x"); n < 8 || n > 32 {
		t.Errorf("rate 0.5 failed %d of 40: %s", n, a)
	}
}

func TestEchoKeyEchoesTheRequestsKeyInAHeaderAndTheErrorMessage(t *testing.T) {
	_, client, _ := start(t, sim.WithRules([]sim.Rule{
		{Model: "claude-sonnet-5-5", Status: 401, EchoKey: true},
		{Model: "claude-haiku-5-5", StreamErrorAfterTokens: 1, EchoKey: true},
	}))
	_, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi"))
	apierr := asAPIError(t, err)
	// The SDK sends its key as x-api-key or as Authorization: Bearer.
	if !strings.HasSuffix(apierr.Response.Header.Get("x-echo-key"), "test-key") || !strings.HasSuffix(apierr.Message, "test-key)") {
		t.Errorf("x-echo-key %q, message %q", apierr.Response.Header.Get("x-echo-key"), apierr.Message)
	}
	_, _, err = streamUntilError(t, client, params("claude-haiku-5-5", "hi"))
	if apierr := asAPIError(t, err); !strings.Contains(apierr.Error(), "test-key)") {
		t.Errorf("stream error %v", apierr)
	}
}

func TestEveryAppliesARuleToOneMatchingRequestInN(t *testing.T) {
	pattern := func(s *sim.Server, model string, n int) string {
		var b strings.Builder
		for range n {
			rec := serve(s, "POST", "/v1/messages", body(model, "hi"))
			b.WriteString(map[int]string{200: "o", 529: "x"}[rec.Code])
		}
		return b.String()
	}
	s := sim.New(sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", Status: 529, Every: 2}}))
	if got := pattern(s, "claude-haiku-5-5", 3); got != "ooo" {
		t.Errorf("another model: %s", got)
	}
	if got := pattern(s, "claude-sonnet-5-5", 6); got != "xoxoxo" {
		t.Errorf("every 2: %s, want xoxoxo", got)
	}
	s.SetRules([]sim.Rule{{Model: "*", Status: 529, Every: 3}})
	if got := pattern(s, "claude-sonnet-5-5", 7); got != "xooxoox" {
		t.Errorf("every 3, counted from when the rules were set: %s, want xooxoox", got)
	}
	sc, err := sim.ParseScript([]byte(`{"phases":[{"name":"blip","duration":"1h","rules":[{"model":"*","status":529,"every":2}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := pattern(sim.New(sim.WithScript(sc)), "claude-sonnet-5-5", 4); got != "xoxo" {
		t.Errorf("a script's rule: %s, want xoxo", got)
	}
	if _, err := sim.ParseRules([]byte(`{"rules":[{"model":"*","status":529,"every":-1}]}`)); err == nil || !strings.Contains(err.Error(), "every -1 is negative") {
		t.Errorf("every -1: %v", err)
	}
}
