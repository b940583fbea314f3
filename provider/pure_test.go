package provider

import (
	"errors"
	"net/http"
	"testing"
)

func TestParseKindAcceptsEveryKindAndRefusesOthers(t *testing.T) {
	for _, k := range Kinds {
		got, err := ParseKind(" " + string(k) + " ")
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if got, err := ParseKind("BEDROCK"); err != nil || got != Bedrock {
		t.Errorf("ParseKind is not case-insensitive: %q, %v", got, err)
	}
	for _, bad := range []string{"", "azure", "openai", "bedrock-runtime"} {
		if _, err := ParseKind(bad); err == nil {
			t.Errorf("ParseKind(%q) accepted", bad)
		}
	}
}

func TestServesTable(t *testing.T) {
	type row struct {
		k   Kind
		op  Op
		yes bool
	}
	rows := []row{
		{Anthropic, OpMessages, true}, {Anthropic, OpCountTokens, true}, {Anthropic, OpModels, true},
		{Anthropic, OpBatches, true}, {Anthropic, OpFiles, true}, {Anthropic, OpOther, true},
		{Bedrock, OpMessages, true}, {Bedrock, OpCountTokens, false}, {Bedrock, OpBatches, false},
		{Foundry, OpMessages, true}, {Foundry, OpCountTokens, false}, {Foundry, OpModels, false},
		{Vertex, OpCountTokens, true}, {Vertex, OpFiles, false},
		{BedrockMantle, OpCountTokens, true}, {AWS, OpCountTokens, true}, {AWS, OpFiles, false},
		{GoogleCloud, OpCountTokens, true}, {GoogleCloud, OpModels, false}, {GoogleCloud, OpOther, false},
	}
	for _, r := range rows {
		if got := serves(r.k, r.op); got != r.yes {
			t.Errorf("serves(%s, %s) = %v, want %v", r.k, r.op, got, r.yes)
		}
	}
}

func TestResolveDefaultsAndRefusals(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	ok := []struct {
		s    Settings
		base string
	}{
		{Settings{Kind: Anthropic}, "https://api.anthropic.com"},
		{Settings{Kind: Bedrock, Region: "us-east-1"}, "https://bedrock-runtime.us-east-1.amazonaws.com"},
		{Settings{Kind: BedrockMantle, Region: "us-west-2"}, "https://bedrock-mantle.us-west-2.api.aws/anthropic"},
		{Settings{Kind: AWS, Region: "eu-west-1", WorkspaceID: "wrk_1"}, "https://aws-external-anthropic.eu-west-1.api.aws"},
		{Settings{Kind: Vertex, Region: "us-east5", Project: "p"}, "https://us-east5-aiplatform.googleapis.com"},
		{Settings{Kind: Vertex, Region: "global", Project: "p"}, "https://aiplatform.googleapis.com"},
		{Settings{Kind: Vertex, Region: "eu", Project: "p"}, "https://aiplatform.eu.rep.googleapis.com"},
		{Settings{Kind: GoogleCloud, Project: "p", WorkspaceID: "w"},
			"https://claude.googleapis.com/v1/projects/p/locations/global/workspaces/w/invoke"},
		{Settings{Kind: GoogleCloud, BaseURL: "http://127.0.0.1:9/gc"}, "http://127.0.0.1:9/gc"},
		{Settings{Kind: Foundry, Resource: "res"}, "https://res.services.ai.azure.com/anthropic"},
		{Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: "http://127.0.0.1:1234/bedrock-us"}, "http://127.0.0.1:1234/bedrock-us"},
	}
	for _, c := range ok {
		got, err := resolve("u", c.s, getenv)
		if err != nil || got.BaseURL != c.base {
			t.Errorf("resolve(%+v) = %q, %v; want %q", c.s, got.BaseURL, err, c.base)
		}
	}
	bad := []Settings{
		{},
		{Kind: "azure"},
		{Kind: Bedrock},
		{Kind: AWS, Region: "us-east-1"},
		{Kind: Vertex, Region: "us-east5"},
		{Kind: Vertex, Project: "p"},
		{Kind: GoogleCloud, Project: "p"},
		{Kind: Foundry},
		{Kind: Foundry, Resource: "r", BaseURL: "https://x"},
		{Kind: Anthropic, BaseURL: "ftp://x"},
		{Kind: Anthropic, BaseURL: "http://"},
		{Kind: Vertex, Region: "us/../x", Project: "p"},
		{Kind: Anthropic, Models: map[string]string{"a": ""}},
	}
	for _, s := range bad {
		if _, err := resolve("u", s, getenv); !errors.Is(err, ErrSettings) {
			t.Errorf("resolve(%+v) = %v, want ErrSettings", s, err)
		}
	}
	env["AWS_REGION"] = "ap-south-1"
	env["ANTHROPIC_AWS_WORKSPACE_ID"] = "wrk_env"
	got, err := resolve("u", Settings{Kind: AWS}, getenv)
	if err != nil || got.Region != "ap-south-1" || got.WorkspaceID != "wrk_env" {
		t.Errorf("AWS_REGION and ANTHROPIC_AWS_WORKSPACE_ID not used: %+v, %v", got, err)
	}
}

func TestKeyEnvsPerKind(t *testing.T) {
	cases := map[Kind][]string{
		Anthropic:     {"ANTHROPIC_API_KEY"},
		Foundry:       {"ANTHROPIC_FOUNDRY_API_KEY"},
		Bedrock:       {"AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY"},
		BedrockMantle: {"AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY"},
		AWS:           {"ANTHROPIC_AWS_API_KEY"},
		Vertex:        nil,
	}
	for k, want := range cases {
		if got := keyEnvs(Settings{Kind: k}); !equalStrings(got, want) {
			t.Errorf("keyEnvs(%s) = %v, want %v", k, got, want)
		}
	}
	if got := keyEnvs(Settings{Kind: Bedrock, APIKeyEnv: "MINE"}); !equalStrings(got, []string{"MINE"}) {
		t.Errorf("APIKeyEnv not alone: %v", got)
	}
}

func TestEndpointURLPerKind(t *testing.T) {
	cases := []struct {
		k       Kind
		base    string
		op      Op
		id      string
		stream  bool
		want    string
		wantRaw string // EscapedPath
	}{
		{Anthropic, "https://api.anthropic.com", OpMessages, "m", true, "https://api.anthropic.com/v1/messages", ""},
		{Anthropic, "https://api.anthropic.com/", OpCountTokens, "m", false, "https://api.anthropic.com/v1/messages/count_tokens", ""},
		{Bedrock, "https://b", OpMessages, "us.anthropic.claude-sonnet-5-5-v1:0", false,
			"https://b/model/us.anthropic.claude-sonnet-5-5-v1:0/invoke", ""},
		{Bedrock, "http://127.0.0.1:1/bedrock-us", OpMessages, "m", true,
			"http://127.0.0.1:1/bedrock-us/model/m/invoke-with-response-stream", ""},
		{Bedrock, "https://b", OpMessages, "arn:aws:bedrock:us-east-1:1:inference-profile/x", false,
			"https://b/model/arn:aws:bedrock:us-east-1:1:inference-profile%2Fx/invoke",
			"/model/arn:aws:bedrock:us-east-1:1:inference-profile%2Fx/invoke"},
		{Vertex, "https://v", OpMessages, "claude-sonnet-5-5@20260101", false,
			"https://v/v1/projects/p/locations/r/publishers/anthropic/models/claude-sonnet-5-5@20260101:rawPredict", ""},
		{Vertex, "https://v", OpMessages, "m", true,
			"https://v/v1/projects/p/locations/r/publishers/anthropic/models/m:streamRawPredict", ""},
		{Vertex, "https://v", OpCountTokens, "m", false,
			"https://v/v1/projects/p/locations/r/publishers/anthropic/models/count-tokens:rawPredict", ""},
		{Foundry, "https://f/anthropic", OpMessages, "m", false, "https://f/anthropic/v1/messages", ""},
		{GoogleCloud, "https://c/v1/projects/p/locations/global/workspaces/w/invoke", OpMessages, "m", false,
			"https://c/v1/projects/p/locations/global/workspaces/w/invoke/v1/messages", ""},
	}
	for _, c := range cases {
		u, err := endpointURL(c.k, c.base, "p", "r", c.op, c.id, c.stream)
		if err != nil || u.String() != c.want {
			t.Errorf("%s %s: %v, %v; want %s", c.k, c.op, u, err, c.want)
			continue
		}
		if c.wantRaw != "" && u.EscapedPath() != c.wantRaw {
			t.Errorf("%s: escaped path %s, want %s", c.k, u.EscapedPath(), c.wantRaw)
		}
	}
}

func TestOutgoingHeaderFiltersPerKind(t *testing.T) {
	in := http.Header{
		"X-Api-Key":         {"client-key"},
		"Authorization":     {"Bearer client"},
		"Anthropic-Version": {"2023-06-01"},
		"Anthropic-Beta":    {"a,b"},
		"Connection":        {"close"},
		"Content-Length":    {"5"},
		"User-Agent":        {"sdk"},
		"X-Stainless-Os":    {"Linux"},
	}
	for _, k := range Kinds {
		h := outgoingHeader(Settings{Kind: k, WorkspaceID: "wrk"}, in, true)
		for _, gone := range []string{"X-Api-Key", "Authorization", "Connection", "Content-Length"} {
			if h.Get(gone) != "" {
				t.Errorf("%s: %s forwarded", k, gone)
			}
		}
		if h.Get("User-Agent") != "sdk" || h.Get("X-Stainless-Os") != "Linux" || h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: headers lost: %v", k, h)
		}
		wantVersion := k != Bedrock && k != Vertex
		if (h.Get("Anthropic-Version") != "") != wantVersion {
			t.Errorf("%s: anthropic-version %q", k, h.Get("Anthropic-Version"))
		}
		if (h.Get("Anthropic-Beta") != "") != (k != Bedrock) {
			t.Errorf("%s: anthropic-beta %q", k, h.Get("Anthropic-Beta"))
		}
		if (h.Get("Anthropic-Workspace-Id") == "wrk") != (k == AWS) {
			t.Errorf("%s: workspace header %q", k, h.Get("Anthropic-Workspace-Id"))
		}
	}
	if got := outgoingHeader(Settings{Kind: Bedrock}, in, true).Get("Accept"); got != "application/vnd.amazon.eventstream" {
		t.Errorf("bedrock stream Accept %q", got)
	}
	if got := outgoingHeader(Settings{Kind: Foundry}, http.Header{}, false).Get("Anthropic-Version"); got != "2023-06-01" {
		t.Errorf("first-party wire without anthropic-version: %q", got)
	}
	in.Set("Anthropic-Beta", "changed")
	if outgoingHeader(Settings{Kind: Anthropic}, in, false).Get("Anthropic-Beta") != "changed" {
		t.Error("header copied before the change?")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
