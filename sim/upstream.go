package sim

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The provider kinds of DESIGN §13: each is a wire (paths, body, auth and
// error shapes) the simulator speaks. A request's kind is also the default
// name of its upstream.
const (
	KindAnthropic     = "anthropic"      // the first-party API: any key or none
	KindBedrock       = "bedrock"        // AWS Bedrock InvokeModel, binary event stream
	KindVertex        = "vertex"         // Google Vertex AI rawPredict / streamRawPredict
	KindBedrockMantle = "bedrock-mantle" // first-party wire, SigV4 "bedrock-mantle" or a Bedrock API key
	KindAWS           = "aws"            // Claude Platform on AWS: first-party wire, SigV4 "aws-external-anthropic"
	KindGoogleCloud   = "google-cloud"   // Claude on Google Cloud: first-party wire, Google OAuth2 bearer
	KindFoundry       = "foundry"        // Microsoft Foundry: first-party wire, api-key or Entra bearer
)

// kindsByLength lists the kinds longest first, so that a name's kind prefix
// is matched greedily ("bedrock-mantle-eu" is bedrock-mantle, not bedrock).
var kindsByLength = []string{KindBedrockMantle, KindGoogleCloud, KindAnthropic, KindBedrock, KindFoundry, KindVertex, KindAWS}

// upstream is who a request is addressed to: the upstream name the gateway
// gave it (the first path segment, or the kind's default) and its wire kind.
type upstream struct {
	name string
	kind string
	path string // the API path, after the name and any cloud prefix
}

// route is where a request goes once its upstream name is stripped.
type route struct {
	name   string // the upstream name segment, "" when the path has none
	path   string // the API path (after the name, and after a cloud prefix)
	kind   string // the kind the path tells (bedrock, vertex, google-cloud's workspace path), "" when only the credential can
	op     string // opMessages...; "" for a path the API does not serve
	model  string // the provider's model id from the URL (Bedrock, Vertex), unescaped
	stream bool   // invoke-with-response-stream, streamRawPredict
}

// The operations a route can name.
const (
	opMessages    = "messages"
	opCountTokens = "count_tokens"
	opModels      = "models"
	opBatches     = "batches"
	opFiles       = "files"
	opInvoke      = "invoke"       // Bedrock InvokeModel(WithResponseStream)
	opRawPredict  = "raw_predict"  // Vertex rawPredict / streamRawPredict
	opVertexCount = "vertex_count" // Vertex count-tokens:rawPredict
)

// apiSegments are first path segments the APIs themselves use: such a
// segment is never an upstream name.
var apiSegments = map[string]bool{"v1": true, "model": true, "anthropic": true, "_sim": true, "computeMetadata": true}

var (
	// /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{id}:{rawPredict|streamRawPredict}
	vertexPath = regexp.MustCompile(`^/v1/projects/[^/]+/locations/[^/]+/publishers/anthropic/models/([^/]+):(rawPredict|streamRawPredict)$`)
	// /v1/projects/{p}/locations/{l}/workspaces/{w}/invoke, then the first-party path
	googleCloudPrefix = regexp.MustCompile(`^/v1/projects/[^/]+/locations/[^/]+/(?:workspaces/[^/]+|claudeOrganization)/invoke(/.*)$`)
)

// parseRoute splits an escaped URL path into the upstream name and the API
// route. It is a pure function of the path.
func parseRoute(escaped string) route {
	var rt route
	p := escaped
	if seg, rest, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/"); ok && seg != "" && !apiSegments[seg] {
		rt.name, p = unescape(seg), "/"+rest
	}
	switch {
	case strings.HasPrefix(p, "/model/"):
		id, method, ok := strings.Cut(strings.TrimPrefix(p, "/model/"), "/")
		rt.kind, rt.path = KindBedrock, p
		if ok && id != "" && (method == "invoke" || method == "invoke-with-response-stream") {
			rt.op, rt.model, rt.stream = opInvoke, unescape(id), method != "invoke"
		}
		return rt
	case strings.HasPrefix(p, "/v1/projects/"):
		if strings.HasSuffix(p, "/models/count-tokens:rawPredict") {
			rt.kind, rt.path, rt.op = KindVertex, p, opVertexCount
			return rt
		}
		if m := vertexPath.FindStringSubmatch(p); m != nil {
			rt.kind, rt.path, rt.op = KindVertex, p, opRawPredict
			rt.model, rt.stream = unescape(m[1]), m[2] == "streamRawPredict"
			return rt
		}
		if m := googleCloudPrefix.FindStringSubmatch(p); m != nil {
			rt.kind, p = KindGoogleCloud, m[1]
		}
	case strings.HasPrefix(p, "/anthropic/v1/"):
		p = strings.TrimPrefix(p, "/anthropic") // Foundry's and Mantle's base path
	}
	rt.path = unescape(p)
	switch {
	case rt.path == "/v1/messages":
		rt.op = opMessages
	case rt.path == "/v1/messages/count_tokens":
		rt.op = opCountTokens
	case rt.path == "/v1/messages/batches":
		rt.op = opBatches
	case rt.path == "/v1/files":
		rt.op = opFiles
	case rt.path == "/v1/models" || strings.HasPrefix(rt.path, "/v1/models/") && len(rt.path) > len("/v1/models/"):
		rt.op = opModels
	}
	return rt
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// kindOfName is the kind a name tells: a kind, or a kind followed by "-"
// ("bedrock-us", "anthropic-b"); "" when it tells none.
func kindOfName(name string) string {
	for _, k := range kindsByLength {
		if name == k || strings.HasPrefix(name, k+"-") {
			return k
		}
	}
	return ""
}

// firstPartyKind decides the kind of a request on the first-party wire
// (/v1/...): a path that tells it (google-cloud's workspace path) wins, then
// a cloud credential (cred, from credentialKind), then the upstream name's
// kind prefix; else it is the first-party API.
func firstPartyKind(pathKind, credKind, name string) string {
	switch {
	case pathKind != "":
		return pathKind
	case credKind != "":
		return credKind
	}
	if k := kindOfName(name); k == KindBedrockMantle || k == KindAWS || k == KindGoogleCloud || k == KindFoundry {
		return k
	}
	return KindAnthropic
}

// upstreamKey is the context key of a request's upstream.
type upstreamKey struct{}

func withUpstream(r *http.Request, up upstream) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), upstreamKey{}, up))
}

// upstreamOf is the upstream the router gave r; the first-party API when none.
func upstreamOf(r *http.Request) upstream {
	if up, ok := r.Context().Value(upstreamKey{}).(upstream); ok {
		return up
	}
	return upstream{name: KindAnthropic, kind: KindAnthropic, path: r.URL.Path}
}
