package sse_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/sse"
)

func TestCommitPointIsTheFirstDeltaWithContent(t *testing.T) {
	delta := func(d string) string { return `{"type":"content_block_delta","index":0,"delta":` + d + `}` }
	tests := []struct {
		name, event, data string
		want              bool
	}{
		{"text", "content_block_delta", delta(`{"type":"text_delta","text":"Hi"}`), true},
		{"empty text", "content_block_delta", delta(`{"type":"text_delta","text":""}`), false},
		{"tool input", "content_block_delta", delta(`{"type":"input_json_delta","partial_json":"{\"city\":"}`), true},
		{"empty tool input (a tool_use block's first delta)", "content_block_delta",
			delta(`{"type":"input_json_delta","partial_json":""}`), false},
		{"thinking", "content_block_delta", delta(`{"type":"thinking_delta","thinking":"Let me see"}`), true},
		{"empty thinking", "content_block_delta", delta(`{"type":"thinking_delta","thinking":""}`), false},
		{"signature", "content_block_delta", delta(`{"type":"signature_delta","signature":"EqQB"}`), true},
		{"empty signature", "content_block_delta", delta(`{"type":"signature_delta","signature":""}`), false},
		{"citation", "content_block_delta", delta(`{"type":"citations_delta","citation":{"type":"char_location"}}`), true},
		{"unknown delta type", "content_block_delta", delta(`{"type":"future_delta"}`), true},
		{"unreadable delta", "content_block_delta", `{"type":"content_block_delta","delta":`, true},
		{"message_stop", "message_stop", `{"type":"message_stop"}`, true},
		{"message_start", "message_start", `{"type":"message_start","message":{}}`, false},
		{"content_block_start", "content_block_start", `{"type":"content_block_start","index":0}`, false},
		{"ping", "ping", `{"type":"ping"}`, false},
		{"message_delta", "message_delta", `{"type":"message_delta","delta":{"text":"x"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sse.CommitPoint([]byte(tt.event), []byte(tt.data)); got != tt.want {
				t.Fatalf("CommitPoint(%s, %s) = %v, want %v", tt.event, tt.data, got, tt.want)
			}
		})
	}
}
