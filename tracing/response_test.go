package tracing_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/tracing"
)

func TestAMessageSaysItsIDModelFinishReasonAndUsage(t *testing.T) {
	r := tracing.MessageResponse([]byte(`{"id":"msg_9","type":"message","model":"claude-haiku-5-5","content":[{"type":"text","text":"hi"}],` +
		`"stop_reason":"max_tokens","usage":{"input_tokens":5,"cache_creation_input_tokens":7,"output_tokens":3}}`))
	if r.ID != "msg_9" || r.Model != "claude-haiku-5-5" || r.FinishReason != "max_tokens" {
		t.Fatalf("got %+v", r)
	}
	u := r.Usage
	if u.InputTokens == nil || *u.InputTokens != 5 || u.CacheCreationInputTokens == nil || *u.CacheCreationInputTokens != 7 ||
		u.OutputTokens == nil || *u.OutputTokens != 3 || u.CacheReadInputTokens != nil {
		t.Fatalf("usage %+v: want exactly what the answer carries", u)
	}
}

func TestAMessageDeltaSaysOnlyItsFinishReasonAndOutputTokens(t *testing.T) {
	r := tracing.EventResponse("message_delta", []byte(`{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}`))
	if r.FinishReason != "tool_use" || r.ID != "" || r.Usage.InputTokens != nil || r.Usage.OutputTokens == nil || *r.Usage.OutputTokens != 12 {
		t.Fatalf("got %+v", r)
	}
	if got := tracing.EventResponse("content_block_delta", []byte(`{"delta":{"text":"x"}}`)); got != (tracing.Response{}) {
		t.Fatalf("a content event says %+v, want nothing", got)
	}
	if got := tracing.MessageResponse([]byte(`not json`)); got != (tracing.Response{}) {
		t.Fatalf("a malformed body says %+v, want nothing", got)
	}
}
