package tracing_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/tracing"
)

func TestProviderNamesFollowTheGenAIConventions(t *testing.T) {
	for kind, want := range map[string]string{
		"anthropic": "anthropic", "aws": "anthropic", "google-cloud": "anthropic", "": "anthropic",
		"bedrock": "aws.bedrock", "bedrock-mantle": "aws.bedrock", "vertex": "gcp.vertex_ai", "foundry": "azure.ai.inference",
	} {
		if got := tracing.ProviderName(kind); got != want {
			t.Errorf("ProviderName(%q) = %q, want %q", kind, got, want)
		}
	}
}
