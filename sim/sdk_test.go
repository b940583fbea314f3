package sim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/sim"
)

// start serves a Server for the test and returns it with an SDK client that
// does not retry.
func start(t *testing.T, opts ...sim.Option) (*sim.Server, anthropic.Client, string) {
	t.Helper()
	s, url, stop, err := sim.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, newClient(t, url), url
}

func newClient(t *testing.T, url string, opts ...option.RequestOption) anthropic.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	opts = append([]option.RequestOption{
		option.WithBaseURL(url),
		option.WithAPIKey("test-key"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}),
	}, opts...)
	return anthropic.NewClient(opts...)
}

func params(model, prompt string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.Model(model),
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestMessagesNewReturnsAWellFormedMessage(t *testing.T) {
	_, client, _ := start(t, sim.WithSeed(1))
	msg, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "What is the capital of France?"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.ID, "msg_") || len(msg.ID) < 24 {
		t.Errorf("id %q: want msg_ and at least 24 characters", msg.ID)
	}
	if msg.Model != "claude-sonnet-5-5" || msg.Role != "assistant" || msg.Type != "message" {
		t.Errorf("model/role/type = %q/%q/%q", msg.Model, msg.Role, msg.Type)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("stop_reason %q, want end_turn", msg.StopReason)
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" {
		t.Fatalf("content %+v: want one text block", msg.Content)
	}
	text := msg.Content[0].Text
	if !strings.Contains(text, "claude-sonnet-5-5") || !strings.Contains(text, "capital") {
		t.Errorf("text %q should name the model and quote the prompt", text)
	}
	if msg.Usage.InputTokens < 1 || msg.Usage.OutputTokens < 1 {
		t.Errorf("usage %+v: want tokens counted", msg.Usage)
	}
	if !msg.JSON.StopSequence.Valid() && msg.StopSequence != "" {
		t.Errorf("stop_sequence should be null")
	}
	for _, f := range []string{`"cache_creation_input_tokens":0`, `"cache_read_input_tokens":0`, `"stop_sequence":null`} {
		if !strings.Contains(msg.RawJSON(), f) {
			t.Errorf("raw message lacks %s: %s", f, msg.RawJSON())
		}
	}
}

func TestStreamingAccumulatesToTheNonStreamedAnswer(t *testing.T) {
	_, client, _ := start(t, sim.WithSeed(42))
	p := params("claude-haiku-5-5", "Tell me about circuit breakers in distributed systems")
	want, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}

	stream := client.Messages.NewStreaming(ctx(t), p)
	defer stream.Close()
	var acc anthropic.Message
	var order []string
	deltas := 0
	for stream.Next() {
		ev := stream.Current()
		if err := acc.Accumulate(ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "content_block_delta" {
			deltas++
			if ev.Delta.Type != "text_delta" {
				t.Errorf("delta type %q, want text_delta", ev.Delta.Type)
			}
			if len(order) > 0 && order[len(order)-1] == "content_block_delta" {
				continue
			}
		}
		order = append(order, ev.Type)
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	wantOrder := "message_start content_block_start content_block_delta content_block_stop message_delta message_stop"
	if got := strings.Join(order, " "); got != wantOrder {
		t.Errorf("events %q, want %q", got, wantOrder)
	}
	if deltas < 2 {
		t.Errorf("%d deltas: want the text in several deltas", deltas)
	}
	if got, w := acc.Content[0].Text, want.Content[0].Text; got != w {
		t.Errorf("streamed text %q\nwant the non-streamed %q", got, w)
	}
	if acc.StopReason != want.StopReason || acc.Usage.OutputTokens != want.Usage.OutputTokens || acc.Usage.InputTokens != want.Usage.InputTokens {
		t.Errorf("streamed stop/usage %s %+v, want %s %+v", acc.StopReason, acc.Usage, want.StopReason, want.Usage)
	}
	if acc.Model != "claude-haiku-5-5" || !strings.HasPrefix(acc.ID, "msg_") {
		t.Errorf("message_start model %q id %q", acc.Model, acc.ID)
	}
}

func TestRawStreamHasTheRealEventSequence(t *testing.T) {
	_, _, url := start(t, sim.WithSeed(3))
	res, err := http.Post(url+"/v1/messages", "application/json", strings.NewReader(body("claude-sonnet-5-5", "hi there", `"stream":true`)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("content-type %q", ct)
	}
	if !strings.HasPrefix(res.Header.Get("request-id"), "req_") {
		t.Errorf("request-id %q", res.Header.Get("request-id"))
	}
	evs := readEvents(t, res.Body)
	want := "message_start content_block_start ping content_block_delta content_block_stop message_delta message_stop"
	if got := names(evs); got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	for _, e := range evs {
		var v struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(e.data), &v); err != nil || v.Type != e.name {
			t.Errorf("event %s: data %s has type %q (%v)", e.name, e.data, v.Type, err)
		}
	}
	for i, want := range map[int]string{
		0: `"content":[],"stop_reason":null,"stop_sequence":null`,
		1: `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		3: `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`,
	} {
		if !strings.Contains(evs[i].data, want) {
			t.Errorf("event %d %s = %s, want it to contain %s", i, evs[i].name, evs[i].data, want)
		}
	}
	if !strings.Contains(evs[0].data, `"usage":{"input_tokens":`) || !strings.Contains(evs[0].data, `"output_tokens":1,`) {
		t.Errorf("message_start usage: %s", evs[0].data)
	}
	md := evs[len(evs)-2].data
	if !strings.Contains(md, `"delta":{"stop_reason":"end_turn","stop_sequence":null`) || !strings.Contains(md, `"output_tokens":`) {
		t.Errorf("message_delta %s", md)
	}
}

func TestSameSeedGivesTheSameTextAndPromptsDiffer(t *testing.T) {
	text := func(c anthropic.Client, model, prompt string) string {
		m, err := c.Messages.New(ctx(t), params(model, prompt))
		if err != nil {
			t.Fatal(err)
		}
		return m.Content[0].Text
	}
	_, a, _ := start(t, sim.WithSeed(9))
	_, b, _ := start(t, sim.WithSeed(9))
	_, c, _ := start(t, sim.WithSeed(10))
	x := text(a, "claude-sonnet-5-5", "one question")
	if y := text(b, "claude-sonnet-5-5", "one question"); x != y {
		t.Errorf("same seed, different text:\n%q\n%q", x, y)
	}
	if y := text(c, "claude-sonnet-5-5", "one question"); x == y {
		t.Errorf("different seeds gave the same text %q", x)
	}
	if y := text(a, "claude-sonnet-5-5", "another question"); x == y || !strings.Contains(y, "another") {
		t.Errorf("different prompts: %q vs %q", x, y)
	}
	if y := text(a, "claude-haiku-5-5", "one question"); !strings.Contains(y, "claude-haiku-5-5") {
		t.Errorf("text %q does not name the model", y)
	}
}

func TestMaxTokensTruncatesTheAnswer(t *testing.T) {
	_, client, _ := start(t, sim.WithSeed(1))
	p := params("claude-sonnet-5-5", "long answer please")
	p.MaxTokens = 3
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonMaxTokens || msg.Usage.OutputTokens != 3 {
		t.Errorf("stop %q output %d, want max_tokens 3", msg.StopReason, msg.Usage.OutputTokens)
	}
	if n := len(strings.Fields(msg.Content[0].Text)); n != 3 {
		t.Errorf("text %q has %d words, want 3", msg.Content[0].Text, n)
	}
	stream := client.Messages.NewStreaming(ctx(t), p)
	defer stream.Close()
	var acc anthropic.Message
	for stream.Next() {
		_ = acc.Accumulate(stream.Current())
	}
	if stream.Err() != nil || acc.StopReason != anthropic.StopReasonMaxTokens || acc.Content[0].Text != msg.Content[0].Text {
		t.Errorf("stream: err %v stop %q text %q", stream.Err(), acc.StopReason, acc.Content[0].Text)
	}
}

func weatherTool() anthropic.ToolUnionParam {
	return anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		Description: anthropic.String("Current weather of a city"),
		InputSchema: anthropic.ToolInputSchemaParam{
			Properties: map[string]any{
				"city": map[string]any{"type": "string"},
				"unit": map[string]any{"type": "string", "enum": []string{"celsius", "fahrenheit"}},
				"days": map[string]any{"type": "integer"},
			},
			Required: []string{"city", "unit", "days"},
		},
	}}
}

func TestToolUseRoundTrip(t *testing.T) {
	_, client, _ := start(t, sim.WithSeed(5))
	p := params("claude-sonnet-5-5", "Use get_weather to check Paris")
	p.Tools = []anthropic.ToolUnionParam{weatherTool()}
	p.ToolChoice = anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 1 {
		t.Fatalf("stop %q content %+v: want one tool_use", msg.StopReason, msg.Content)
	}
	use := msg.Content[0].AsToolUse()
	if use.Name != "get_weather" || !strings.HasPrefix(use.ID, "toolu_") {
		t.Errorf("tool_use name %q id %q", use.Name, use.ID)
	}
	var in map[string]any
	if err := json.Unmarshal(use.Input, &in); err != nil {
		t.Fatalf("input %s: %v", use.Input, err)
	}
	if in["city"] != "Paris" || in["unit"] != "celsius" || in["days"] != float64(1) {
		t.Errorf("input %s: want city Paris, unit celsius, days 1", use.Input)
	}

	// Streamed, the same call arrives as input_json_delta pieces.
	stream := client.Messages.NewStreaming(ctx(t), p)
	var acc anthropic.Message
	sawJSONDelta := false
	for stream.Next() {
		ev := stream.Current()
		sawJSONDelta = sawJSONDelta || ev.Delta.Type == "input_json_delta"
		if err := acc.Accumulate(ev); err != nil {
			t.Fatal(err)
		}
	}
	stream.Close()
	if stream.Err() != nil || !sawJSONDelta || acc.StopReason != anthropic.StopReasonToolUse {
		t.Fatalf("stream err %v, json deltas %v, stop %q", stream.Err(), sawJSONDelta, acc.StopReason)
	}
	if got := acc.Content[0].AsToolUse(); got.Name != "get_weather" || string(got.Input) != string(use.Input) {
		t.Errorf("streamed tool_use %s %s, want %s", got.Name, got.Input, use.Input)
	}

	// Answering with the tool result gets text back.
	p.ToolChoice = anthropic.ToolChoiceUnionParam{}
	p.Messages = append(p.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, "18 degrees and sunny", false)))
	final, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if final.StopReason != anthropic.StopReasonEndTurn || final.Content[0].Type != "text" ||
		!strings.Contains(final.Content[0].Text, "get_weather") || !strings.Contains(final.Content[0].Text, "sunny") {
		t.Errorf("after tool_result: %s %+v", final.StopReason, final.Content)
	}
}

func TestTextUnlessToolChoiceOrARuleAsksForATool(t *testing.T) {
	s, client, _ := start(t)
	// Naming the tool in the prompt is not asking for it: agents such as
	// Claude Code name every tool in every prompt and expect an answer.
	p := params("claude-sonnet-5-5", "just chat, or use get_weather if you must")
	p.Tools = []anthropic.ToolUnionParam{weatherTool()}
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || msg.Content[0].Type != "text" {
		t.Errorf("got %s %+v, want text", msg.StopReason, msg.Content)
	}
	p.ToolChoice = anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{Name: "get_weather"}}
	msg, err = client.Messages.New(ctx(t), p)
	if err != nil || msg.StopReason != anthropic.StopReasonToolUse {
		t.Errorf("tool_choice tool: %v %s", err, msg.StopReason)
	}

	// A rule asks for a tool_use; a request without tools still gets text.
	p.ToolChoice = anthropic.ToolChoiceUnionParam{}
	s.SetRules([]sim.Rule{{Model: "*", ToolUse: "*"}})
	msg, err = client.Messages.New(ctx(t), p)
	if err != nil || msg.StopReason != anthropic.StopReasonToolUse || msg.Content[0].AsToolUse().Name != "get_weather" {
		t.Errorf("rule tool_use: %v %s %+v", err, msg.StopReason, msg.Content)
	}
	msg, err = client.Messages.New(ctx(t), params("claude-sonnet-5-5", "no tools here"))
	if err != nil || msg.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("rule tool_use without tools: %v %s", err, msg.StopReason)
	}

	// A rule naming a tool the request does not offer calls nothing; one
	// naming it calls it once per user turn: its result gets text.
	s.SetRules([]sim.Rule{{Model: "*", ToolUse: "get_time"}})
	if msg, err = client.Messages.New(ctx(t), p); err != nil || msg.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("rule naming an absent tool: %v %s", err, msg.StopReason)
	}
	s.SetRules([]sim.Rule{{Model: "*", ToolUse: "get_weather"}})
	msg, err = client.Messages.New(ctx(t), p)
	if err != nil || msg.StopReason != anthropic.StopReasonToolUse {
		t.Fatalf("rule naming the tool: %v %s", err, msg.StopReason)
	}
	p.Messages = append(p.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(msg.Content[0].AsToolUse().ID, "sunny", false)))
	if msg, err = client.Messages.New(ctx(t), p); err != nil || msg.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("after the tool_result: %v %s, want text", err, msg.StopReason)
	}
}

func TestCountTokensMatchesUsage(t *testing.T) {
	s, client, _ := start(t)
	p := params("claude-opus-5-5", strings.Repeat("count these words ", 40))
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	n, err := client.Messages.CountTokens(ctx(t), anthropic.MessageCountTokensParams{Model: p.Model, Messages: p.Messages})
	if err != nil {
		t.Fatal(err)
	}
	if n.InputTokens != msg.Usage.InputTokens || n.InputTokens < 150 {
		t.Errorf("count_tokens %d, usage.input_tokens %d: want equal, about len/4", n.InputTokens, msg.Usage.InputTokens)
	}
	if got := s.Stats().Models["claude-opus-5-5"].Requests; got != 2 {
		t.Errorf("count_tokens should count under its model: %d requests", got)
	}
}

func TestModelsListsKnownAndRuleModels(t *testing.T) {
	s, client, _ := start(t, sim.WithRules([]sim.Rule{{Model: "claude-custom-1", Latency: 0}, {Model: "*", Latency: 0}}))
	page, err := client.Models.List(ctx(t), anthropic.ModelListParams{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
		if m.Type != "model" || m.DisplayName == "" || m.CreatedAt.IsZero() && m.ID != "claude-custom-1" {
			t.Errorf("model %+v", m)
		}
	}
	want := "claude-sonnet-5-5 claude-haiku-5-5 claude-opus-5-5 claude-sonnet-4-5 claude-haiku-4-5 claude-custom-1"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("models %q, want %q", got, want)
	}
	if page.Data[0].DisplayName != "Claude Sonnet 5.5" || page.FirstID != "claude-sonnet-5-5" || page.LastID != "claude-custom-1" || page.HasMore {
		t.Errorf("page %+v", page)
	}
	page, err = client.Models.List(ctx(t), anthropic.ModelListParams{Limit: anthropic.Int(2), AfterID: anthropic.String("claude-haiku-5-5")})
	if err != nil || len(page.Data) != 2 || page.Data[0].ID != "claude-opus-5-5" || !page.HasMore {
		t.Errorf("paged: %v %+v", err, page)
	}
	one, err := client.Models.Get(ctx(t), "claude-haiku-4-5", anthropic.ModelGetParams{})
	if err != nil || one.DisplayName != "Claude Haiku 4.5" {
		t.Errorf("get: %v %+v", err, one)
	}
	if got := s.Stats().Models[""].Requests; got != 3 {
		t.Errorf("/v1/models counts under \"\": %d", got)
	}
}

func TestEveryAnswerHasRequestIDAndRateLimitHeaders(t *testing.T) {
	_, _, url := start(t, sim.WithRules([]sim.Rule{{Model: "bad", Status: 529}}))
	for _, c := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"ok", "POST", "/v1/messages", body("claude-sonnet-5-5", "hi"), 200},
		{"fault", "POST", "/v1/messages", body("bad", "hi"), 529},
		{"invalid", "POST", "/v1/messages", `{}`, 400},
		{"count", "POST", "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":"x"}]}`, 200},
		{"models", "GET", "/v1/models", "", 200},
		{"unknown path", "GET", "/v1/nothing", "", 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, b := do(t, c.method, url+c.path, c.body, "x-api-key", "sk-ant-secret-key", "anthropic-version", "2023-06-01")
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, b)
			}
			id := res.Header.Get("request-id")
			if !strings.HasPrefix(id, "req_") || len(id) < 24 {
				t.Errorf("request-id %q", id)
			}
			for _, h := range []string{"requests-limit", "requests-remaining", "requests-reset", "tokens-limit", "tokens-remaining", "tokens-reset", "input-tokens-limit", "output-tokens-remaining"} {
				if res.Header.Get("anthropic-ratelimit-"+h) == "" {
					t.Errorf("no anthropic-ratelimit-%s header", h)
				}
			}
			if _, err := time.Parse(time.RFC3339, res.Header.Get("anthropic-ratelimit-requests-reset")); err != nil {
				t.Errorf("requests-reset: %v", err)
			}
			if res.StatusCode >= 400 {
				if e := decodeError(t, b); e.RequestID != id {
					t.Errorf("body request_id %q, header %q", e.RequestID, id)
				}
			}
			for k, v := range res.Header {
				if strings.Contains(strings.Join(v, " "), "secret") {
					t.Errorf("header %s echoes the API key", k)
				}
			}
			if strings.Contains(string(b), "secret") {
				t.Errorf("body echoes the API key: %s", b)
			}
		})
	}
}
