package provider

import (
	"fmt"
	"strings"
)

// Kind is the kind of an upstream: which wire it speaks and how it
// authenticates (DESIGN §13).
type Kind string

// The kinds of upstream.
const (
	// Anthropic is the first-party API (x-api-key).
	Anthropic Kind = "anthropic"
	// Bedrock is AWS Bedrock InvokeModel: the model id in the path, the
	// body without model and stream, a binary event stream (SigV4 service
	// "bedrock", or a Bedrock API key as a bearer token).
	Bedrock Kind = "bedrock"
	// BedrockMantle is the first-party wire on Bedrock's Mantle endpoint
	// (SigV4 service "bedrock-mantle", or a bearer key).
	BedrockMantle Kind = "bedrock-mantle"
	// AWS is Claude Platform on AWS: the first-party wire, SigV4 service
	// "aws-external-anthropic" (or a bearer key) and an
	// anthropic-workspace-id header.
	AWS Kind = "aws"
	// GoogleCloud is Claude on Google Cloud (Anthropic-managed): the
	// first-party wire under a project/location/workspace prefix, a Google
	// OAuth2 bearer token.
	GoogleCloud Kind = "google-cloud"
	// Vertex is Vertex AI's rawPredict/streamRawPredict: the model id in
	// the path, the body without model, a Google OAuth2 bearer token.
	Vertex Kind = "vertex"
	// Foundry is Claude on Microsoft Foundry: the first-party wire under
	// /anthropic, an x-api-key or an Entra ID bearer token.
	Foundry Kind = "foundry"
)

// Kinds lists every kind, in the order of DESIGN §13.
var Kinds = []Kind{Anthropic, Bedrock, BedrockMantle, AWS, GoogleCloud, Vertex, Foundry}

// ParseKind returns the Kind named s (case-insensitive, surrounding space
// ignored), or an error naming the kinds there are.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds {
		if k == known {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, known := range Kinds {
		names[i] = string(known)
	}
	return "", fmt.Errorf("provider: unknown kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// firstPartyWire reports whether k takes the first-party request body and
// paths (/v1/messages, the model in the body).
func (k Kind) firstPartyWire() bool { return k != Bedrock && k != Vertex }

// identityModels reports whether, with no models map, k serves every model
// under its first-party name: the kinds whose wire takes first-party model
// names (a Foundry deployment is named after its model by default).
func (k Kind) identityModels() bool {
	return k == Anthropic || k == AWS || k == GoogleCloud || k == Foundry
}

// aws reports whether k authenticates with AWS (SigV4 or a bearer key).
func (k Kind) aws() bool { return k == Bedrock || k == BedrockMantle || k == AWS }

// google reports whether k authenticates with Google OAuth2.
func (k Kind) google() bool { return k == GoogleCloud || k == Vertex }

// Op is the kind of API call a request is, as far as upstreams differ in
// serving it.
type Op int

// The operations.
const (
	// OpMessages is POST /v1/messages.
	OpMessages Op = iota
	// OpCountTokens is POST /v1/messages/count_tokens.
	OpCountTokens
	// OpModels is /v1/models and below.
	OpModels
	// OpBatches is /v1/messages/batches and below.
	OpBatches
	// OpFiles is /v1/files and below.
	OpFiles
	// OpOther is any other /v1/* path.
	OpOther
)

// String returns the op's name as in Unsupported reasons.
func (o Op) String() string {
	switch o {
	case OpMessages:
		return "messages"
	case OpCountTokens:
		return "count_tokens"
	case OpModels:
		return "models"
	case OpBatches:
		return "batches"
	case OpFiles:
		return "files"
	case OpOther:
		return "other"
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// serves reports whether kind k serves op at all: messages everywhere;
// count_tokens everywhere but Bedrock InvokeModel and Foundry (Vertex on
// its own path); models, batches, files and other paths only on the
// first-party API.
func serves(k Kind, op Op) bool {
	switch op {
	case OpMessages:
		return true
	case OpCountTokens:
		return k != Bedrock && k != Foundry
	case OpModels, OpBatches, OpFiles, OpOther:
		return k == Anthropic
	}
	return false
}
