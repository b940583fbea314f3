package sim_test

import (
	"context"
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
