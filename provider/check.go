package provider

import (
	"strings"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// Unsupported is the error of a request an upstream cannot serve: the
// deployment is skipped for that request (DESIGN §13), never sent with a
// field silently dropped. Reason is short and stable (it names an op, a
// body field or a beta family, never a client's free text), so that a
// caller can log it once per (upstream, reason).
type Unsupported struct {
	Upstream string // the upstream's name
	Reason   string // e.g. "model not served", "body field mcp_servers not supported"
}

func (e *Unsupported) Error() string {
	return "provider: upstream " + e.Upstream + " cannot serve this request: " + e.Reason
}

// deny is what one kind cannot take: top-level body fields, and
// anthropic-beta values by prefix (a beta family, whatever its date).
type deny struct {
	fields []string
	betas  []string
}

// denied is the deny table per kind. Bedrock InvokeModel and Vertex
// rawPredict serve the Messages API without the features that need
// Anthropic-hosted state or egress — the MCP connector (mcp_servers,
// mcp-client-*), code execution containers and Agent Skills (container,
// code-execution-*, skills-*) and the Files API (files-api-*), as their
// providers' feature tables list them. The first-party-wire kinds pass
// everything on: what they reject comes back as their own 400.
var denied = map[Kind]deny{
	Bedrock: {
		fields: []string{"mcp_servers", "container"},
		betas:  []string{"mcp-client-", "code-execution-", "skills-", "files-api-"},
	},
	Vertex: {
		fields: []string{"mcp_servers", "container"},
		betas:  []string{"mcp-client-", "code-execution-", "skills-", "files-api-"},
	},
}

// checkRequest is Check's pure decision: "" when an upstream of kind k
// whose models are mapped by mapped can serve the call, else the reason.
func checkRequest(k Kind, op Op, model string, mapped bool, betas []string, body []byte) string {
	if !serves(k, op) {
		return op.String() + " not served"
	}
	if (op == OpMessages || op == OpCountTokens) && !mapped {
		return "model not served"
	}
	d := denied[k]
	for _, b := range betas {
		for _, prefix := range d.betas {
			if strings.HasPrefix(b, prefix) {
				return "beta " + strings.TrimSuffix(prefix, "-") + " not supported"
			}
		}
	}
	if len(d.fields) == 0 || len(body) == 0 {
		return ""
	}
	var r jsonscan.Request
	if jsonscan.ScanRequest(body, &r) != nil {
		return "" // not this package's call: the gateway rejects bad bodies
	}
	for _, m := range r.Members {
		if name := memberName(body, m); containsString(d.fields, name) {
			return "body field " + name + " not supported"
		}
	}
	return ""
}
