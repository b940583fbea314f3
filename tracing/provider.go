package tracing

import semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

// ProviderName returns the gen_ai.provider.name of an upstream of kind
// (provider.Kind's names): "aws.bedrock" for bedrock and bedrock-mantle,
// "gcp.vertex_ai" for vertex, "azure.ai.inference" for foundry, and
// "anthropic" for the first-party API and the clouds' Anthropic-operated
// platforms (aws, google-cloud) — and for any kind it does not know.
func ProviderName(kind string) string {
	switch kind {
	case "bedrock", "bedrock-mantle":
		return semconv.GenAIProviderNameAWSBedrock.Value.AsString()
	case "vertex":
		return semconv.GenAIProviderNameGCPVertexAI.Value.AsString()
	case "foundry":
		return semconv.GenAIProviderNameAzureAIInference.Value.AsString()
	}
	return semconv.GenAIProviderNameAnthropic.Value.AsString()
}
