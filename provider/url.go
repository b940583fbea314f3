package provider

import (
	"net/url"
	"strings"
)

// endpointURL returns the URL of a call of op (messages or count_tokens)
// for model id on an upstream of kind k at base (a path in base kept in
// front): the first-party paths, Bedrock's /model/{id}/invoke and
// /invoke-with-response-stream, Vertex's
// /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{id}:rawPredict
// (:streamRawPredict; count_tokens: .../models/count-tokens:rawPredict).
// The id is one escaped path segment.
func endpointURL(k Kind, base, project, region string, op Op, id string, stream bool) (*url.URL, error) {
	var p string
	switch {
	case k == Bedrock:
		method := "invoke"
		if stream {
			method = "invoke-with-response-stream"
		}
		p = "/model/" + url.PathEscape(id) + "/" + method
	case k == Vertex:
		p = "/v1/projects/" + url.PathEscape(project) + "/locations/" + url.PathEscape(region) +
			"/publishers/anthropic/models/"
		switch {
		case op == OpCountTokens:
			p += "count-tokens:rawPredict"
		case stream:
			p += url.PathEscape(id) + ":streamRawPredict"
		default:
			p += url.PathEscape(id) + ":rawPredict"
		}
	case op == OpCountTokens:
		p = "/v1/messages/count_tokens"
	default:
		p = "/v1/messages"
	}
	return joinURL(base, p)
}

// joinURL returns base with path (escaped, may carry a query) appended to
// base's own path.
func joinURL(base, path string) (*url.URL, error) {
	return url.Parse(strings.TrimSuffix(base, "/") + path)
}
