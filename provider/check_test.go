package provider

import "testing"

func TestCheckRequestDecisions(t *testing.T) {
	cases := []struct {
		k      Kind
		op     Op
		mapped bool
		betas  []string
		body   string
		want   string
	}{
		{Anthropic, OpMessages, true, nil, `{"mcp_servers":[]}`, ""},
		{Bedrock, OpMessages, true, nil, `{"messages":[],"cache_control":{}}`, ""},
		{Bedrock, OpMessages, false, nil, `{}`, "model not served"},
		{Bedrock, OpCountTokens, true, nil, `{}`, "count_tokens not served"},
		{Foundry, OpCountTokens, true, nil, `{}`, "count_tokens not served"},
		{Vertex, OpCountTokens, true, nil, `{}`, ""},
		{AWS, OpBatches, true, nil, ``, "batches not served"},
		{GoogleCloud, OpFiles, true, nil, ``, "files not served"},
		{Foundry, OpModels, true, nil, ``, "models not served"},
		{Anthropic, OpFiles, false, nil, ``, ""},
		{Bedrock, OpMessages, true, nil, `{"mcp_servers":[{"type":"url"}]}`, "body field mcp_servers not supported"},
		{Vertex, OpMessages, true, nil, `{"container":"c"}`, "body field container not supported"},
		{Bedrock, OpMessages, true, []string{"interleaved-thinking-2025-05-14", "files-api-2025-04-14"}, `{}`,
			"beta files-api not supported"},
		{Vertex, OpMessages, true, []string{"mcp-client-2025-11-20"}, `{}`, "beta mcp-client not supported"},
		{Vertex, OpMessages, true, []string{"code-execution-2025-08-25"}, `{}`, "beta code-execution not supported"},
		{Bedrock, OpMessages, true, []string{"skills-2025-10-02"}, `{}`, "beta skills not supported"},
		{Foundry, OpMessages, true, []string{"files-api-2025-04-14"}, `{"container":"c"}`, ""},
		{Bedrock, OpMessages, true, nil, `not json`, ""},
	}
	for _, c := range cases {
		got := checkRequest(c.k, c.op, "m", c.mapped, c.betas, []byte(c.body))
		if got != c.want {
			t.Errorf("%s %s %v %s: %q, want %q", c.k, c.op, c.betas, c.body, got, c.want)
		}
	}
}
