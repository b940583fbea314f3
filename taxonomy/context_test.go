package taxonomy_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestPromptTooLongReadsTheAPIsWording(t *testing.T) {
	tests := []struct {
		msg           string
		tokens, limit int
		ok            bool
	}{
		{"prompt is too long: 209353 tokens > 199999 maximum", 209353, 199999, true},
		{"prompt is too long: 191989 tokens > 180000 maximum", 191989, 180000, true},
		{"Prompt is too long", 0, 0, true},
		{"input is invalid: prompt is too long: 12 tokens > 10 maximum", 12, 10, true},
		{"max_tokens: 10000 > 4096, which is the maximum allowed", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		n, m, ok := taxonomy.PromptTooLong(tt.msg)
		if n != tt.tokens || m != tt.limit || ok != tt.ok {
			t.Errorf("PromptTooLong(%q) = %d, %d, %v; want %d, %d, %v", tt.msg, n, m, ok, tt.tokens, tt.limit, tt.ok)
		}
	}
}

func TestContextOverflowCarriesTheTokenCounts(t *testing.T) {
	d := taxonomy.Classify(taxonomy.Result{Status: 400, ErrorType: "invalid_request_error",
		Message: "prompt is too long: 209353 tokens > 199999 maximum"}, now)
	if d.PromptTokens != 209353 || d.ContextLimit != 199999 {
		t.Fatalf("tokens=%d limit=%d, want 209353, 199999", d.PromptTokens, d.ContextLimit)
	}
}
