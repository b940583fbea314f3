package catalog_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/catalog"
)

func TestContextWindowKnowsTheModelsAndTheirDeployments(t *testing.T) {
	tests := []struct {
		model string
		want  int
		ok    bool
	}{
		{"claude-sonnet-5-5", 1_000_000, true},
		{"claude-haiku-4-5", 200_000, true},
		{"claude-haiku-4-5-20251001", 200_000, true},
		{"claude-sonnet-4-5@bedrock-us", 200_000, true},
		{"claude-opus-4-6@vertex", 1_000_000, true},
		{"made-up-model", 0, false},
	}
	for _, tt := range tests {
		got, ok := catalog.ContextWindow(tt.model)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ContextWindow(%q) = %d, %v; want %d, %v", tt.model, got, ok, tt.want, tt.ok)
		}
	}
}
