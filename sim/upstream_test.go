package sim

import (
	"net/http"
	"testing"
)

func TestParseRouteStripsTheUpstreamNameAndTellsTheWire(t *testing.T) {
	for _, c := range []struct {
		path string
		want route
	}{
		{"/v1/messages", route{path: "/v1/messages", op: opMessages}},
		{"/anthropic-b/v1/messages", route{name: "anthropic-b", path: "/v1/messages", op: opMessages}},
		{"/anthropic/v1/messages", route{path: "/v1/messages", op: opMessages}},
		{"/foundry-eu/anthropic/v1/messages/count_tokens", route{name: "foundry-eu", path: "/v1/messages/count_tokens", op: opCountTokens}},
		{"/x/v1/models/claude-sonnet-5-5", route{name: "x", path: "/v1/models/claude-sonnet-5-5", op: opModels}},
		{"/v1/nothing", route{path: "/v1/nothing"}},
		{"/model/us.anthropic.claude-sonnet-5-5-v1%3A0/invoke", route{kind: KindBedrock, path: "/model/us.anthropic.claude-sonnet-5-5-v1%3A0/invoke",
			op: opInvoke, model: "us.anthropic.claude-sonnet-5-5-v1:0"}},
		{"/bedrock-us/model/anthropic.claude-haiku-5-5/invoke-with-response-stream", route{name: "bedrock-us", kind: KindBedrock,
			path: "/model/anthropic.claude-haiku-5-5/invoke-with-response-stream", op: opInvoke, model: "anthropic.claude-haiku-5-5", stream: true}},
		{"/model/x/converse", route{kind: KindBedrock, path: "/model/x/converse"}},
		{"/vertex-us/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5@20260514:streamRawPredict",
			route{name: "vertex-us", kind: KindVertex, path: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5@20260514:streamRawPredict",
				op: opRawPredict, model: "claude-sonnet-5-5@20260514", stream: true}},
		{"/v1/projects/p/locations/global/publishers/anthropic/models/count-tokens:rawPredict",
			route{kind: KindVertex, path: "/v1/projects/p/locations/global/publishers/anthropic/models/count-tokens:rawPredict", op: opVertexCount}},
		{"/v1/projects/p/locations/global/workspaces/w/invoke/v1/messages", route{kind: KindGoogleCloud, path: "/v1/messages", op: opMessages}},
	} {
		if got := parseRoute(c.path); got != c.want {
			t.Errorf("parseRoute(%q)\n got %+v\nwant %+v", c.path, got, c.want)
		}
	}
}

func TestAFirstPartyRequestsKindComesFromItsPathThenCredentialThenName(t *testing.T) {
	for _, c := range []struct{ path, cred, name, want string }{
		{"", "", "", KindAnthropic},
		{"", "", "anthropic-b", KindAnthropic},
		{"", "", "bedrock-us", KindAnthropic}, // Bedrock's wire is told by its path
		{"", "", "foundry-eu", KindFoundry},
		{"", "", "bedrock-mantle-eu", KindBedrockMantle},
		{"", "", "google-cloud", KindGoogleCloud},
		{"", KindAWS, "foundry-eu", KindAWS},
		{KindGoogleCloud, KindFoundry, "", KindGoogleCloud},
		{"", "", "awsome", KindAnthropic},
	} {
		if got := firstPartyKind(c.path, c.cred, c.name); got != c.want {
			t.Errorf("firstPartyKind(%q, %q, %q) = %q, want %q", c.path, c.cred, c.name, got, c.want)
		}
	}
}

func TestBedrockModelIDsMapToFirstPartyNames(t *testing.T) {
	for id, want := range map[string]string{
		"us.anthropic.claude-sonnet-5-5":               "claude-sonnet-5-5",
		"anthropic.claude-sonnet-5-5-v1:0":             "claude-sonnet-5-5",
		"global.anthropic.claude-haiku-5-5-v2:0":       "claude-haiku-5-5",
		"apac.anthropic.claude-opus-5-5":               "claude-opus-5-5",
		"eu.anthropic.claude-sonnet-4-5-20250929-v1:0": "claude-sonnet-4-5-20250929",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-5-5-v1:0": "claude-sonnet-5-5",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-5-5-v1:0":                  "claude-haiku-5-5",
		"claude-sonnet-5-5": "claude-sonnet-5-5",
	} {
		if got := bedrockModel(id); got != want {
			t.Errorf("bedrockModel(%q) = %q, want %q", id, got, want)
		}
	}
	if got := vertexModel("claude-sonnet-5-5@20260514"); got != "claude-sonnet-5-5" {
		t.Errorf("vertexModel = %q", got)
	}
}

func TestProviderErrorNamesFollowTheStatus(t *testing.T) {
	for _, c := range []struct {
		status  int
		typ     string
		exc     string
		excCode int
		google  string
	}{
		{429, "rate_limit_error", "ThrottlingException", 429, "RESOURCE_EXHAUSTED"},
		{400, "invalid_request_error", "ValidationException", 400, "INVALID_ARGUMENT"},
		{500, "api_error", "InternalServerException", 500, "INTERNAL"},
		{503, "api_error", "ServiceUnavailableException", 503, "UNAVAILABLE"},
		{529, "overloaded_error", "ServiceUnavailableException", 503, "UNAVAILABLE"},
		{403, "permission_error", "AccessDeniedException", 403, "PERMISSION_DENIED"},
		{404, "not_found_error", "ResourceNotFoundException", 404, "NOT_FOUND"},
		{400, "ModelNotReadyException", "ModelNotReadyException", 400, "INVALID_ARGUMENT"},
	} {
		if exc, code := bedrockException(c.status, c.typ); exc != c.exc || code != c.excCode {
			t.Errorf("bedrockException(%d, %q) = %s %d, want %s %d", c.status, c.typ, exc, code, c.exc, c.excCode)
		}
		if g := googleStatus(c.status); g != c.google {
			t.Errorf("googleStatus(%d) = %s, want %s", c.status, g, c.google)
		}
	}
	for typ, want := range map[string]string{
		"rate_limit_error": "throttlingException", "overloaded_error": "modelStreamErrorException",
		"api_error": "internalServerException", "invalid_request_error": "validationException",
	} {
		if got := streamException(typ); got != want {
			t.Errorf("streamException(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestRulesMatchAnUpstreamByNameOrKind(t *testing.T) {
	bedrockUS := upstream{name: "bedrock-us", kind: KindBedrock}
	first := upstream{name: KindAnthropic, kind: KindAnthropic}
	for _, c := range []struct {
		rule     string
		up       upstream
		want     bool
		wantNote string
	}{
		{"", bedrockUS, true, "empty matches all"},
		{"*", first, true, "* matches all"},
		{"bedrock", bedrockUS, true, "the kind"},
		{"bedrock-us", bedrockUS, true, "the name"},
		{"anthropic", bedrockUS, false, "another upstream"},
		{"anthropic", first, true, "the first-party API"},
	} {
		r := Rule{Model: "*", Upstream: c.rule}
		if got := r.matches(c.up, "m"); got != c.want {
			t.Errorf("%s: Upstream %q on %+v = %v", c.wantNote, c.rule, c.up, got)
		}
	}
}

func TestAnUnroutedRequestIsTheFirstPartyAPIs(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://x/v1/models", nil)
	if up := upstreamOf(r); up.name != KindAnthropic || up.kind != KindAnthropic || up.path != "/v1/models" {
		t.Errorf("upstreamOf = %+v", up)
	}
}
