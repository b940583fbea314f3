package provider

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAnthropicKindSendsItsOwnKey(t *testing.T) {
	srv, seen := playServer(t, "", "", okJSON)
	sink, secrets := sinkOf()
	u := mustNew(t, "anthropic-b", Settings{Kind: Anthropic, BaseURL: srv.URL, APIKeyEnv: "ANTHROPIC_API_KEY_B"},
		WithEnv(envOf(map[string]string{"ANTHROPIC_API_KEY_B": "sk-ant-b", "ANTHROPIC_API_KEY": "sk-ant-a"})), WithSecretSink(sink))
	h := http.Header{"X-Api-Key": {"client-key"}, "Authorization": {"Bearer client"}, "Anthropic-Version": {"2023-06-01"}}
	body := []byte(`{"model":"claude-sonnet-5-5","stream":true}`)
	req, err := u.NewRequest(context.Background(), OpMessages, "claude-sonnet-5-5", true, body, h)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	r := seen()[0]
	if r.path != "/v1/messages" || string(r.body) != string(body) || r.header.Get("X-Api-Key") != "sk-ant-b" || r.header.Get("Authorization") != "" {
		t.Fatalf("%s %s %v", r.path, r.body, r.header)
	}
	if got := secrets(); len(got) != 1 || got[0] != "sk-ant-b" {
		t.Fatalf("sink got %q", got)
	}
}

func TestNewPathRequestForTheOtherOps(t *testing.T) {
	srv, seen := playServer(t, "", "", okJSON)
	u := mustNew(t, "anthropic", Settings{Kind: Anthropic, BaseURL: srv.URL + "/prefix/"}, WithEnv(envOf(map[string]string{"ANTHROPIC_API_KEY": "sk"})))
	req, err := u.NewPathRequest(context.Background(), http.MethodGet, "/v1/models?limit=2", nil, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	r := seen()[0]
	if r.method != "GET" || r.path != "/prefix/v1/models" || req.URL.RawQuery != "limit=2" || r.header.Get("X-Api-Key") != "sk" || r.header.Get("Content-Type") != "" {
		t.Fatalf("%s %s %v", r.method, r.path, r.header)
	}
	b := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1"}, WithEnv(envOf(map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "k"})))
	var un *Unsupported
	if _, err := b.NewPathRequest(context.Background(), "GET", "/v1/models", nil, nil); !errors.As(err, &un) {
		t.Fatalf("bedrock paths: %v", err)
	}
	if _, err := u.NewRequest(context.Background(), OpModels, "", false, nil, nil); err == nil {
		t.Fatal("NewRequest built a models call")
	}
}

func TestFoundryKeyOrEntraToken(t *testing.T) {
	srv, seen := playServer(t, "", "", okJSON)
	sink, secrets := sinkOf()
	u := mustNew(t, "foundry", Settings{Kind: Foundry, BaseURL: srv.URL + "/anthropic", Models: map[string]string{"claude-sonnet-5-5": "my-sonnet"}},
		WithEnv(envOf(map[string]string{"ANTHROPIC_FOUNDRY_API_KEY": "foundry-key"})), WithSecretSink(sink))
	req, err := u.NewRequest(context.Background(), OpMessages, "claude-sonnet-5-5", false, []byte(`{"model":"claude-sonnet-5-5"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	r := seen()[0]
	if r.path != "/anthropic/v1/messages" || r.header.Get("X-Api-Key") != "foundry-key" || string(r.body) != `{"model":"my-sonnet"}` {
		t.Fatalf("%s %v %s", r.path, r.header, r.body)
	}
	if !containsString(secrets(), "foundry-key") {
		t.Fatalf("sink %q", secrets())
	}

	calls := 0
	e := mustNew(t, "foundry-entra", Settings{Kind: Foundry, Resource: "res"}, WithEnv(envOf(nil)), WithSecretSink(sink),
		WithEntraToken(func(context.Context) (string, error) { calls++; return "entra-token", nil }))
	req, err = e.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.String() != "https://res.services.ai.azure.com/anthropic/v1/messages" || req.Header.Get("Authorization") != "Bearer entra-token" || calls != 1 {
		t.Fatalf("%s %v", req.URL, req.Header)
	}
	if !containsString(secrets(), "entra-token") {
		t.Fatalf("sink %q", secrets())
	}
	failing := mustNew(t, "f", Settings{Kind: Foundry, Resource: "res"}, WithEnv(envOf(nil)),
		WithEntraToken(func(context.Context) (string, error) { return "", errors.New("no login") }))
	if _, err := failing.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil); !errors.Is(err, ErrAuth) {
		t.Fatalf("failing Entra: %v", err)
	}
	if _, err := New(context.Background(), "f", Settings{Kind: Foundry, Resource: "res"}, WithEnv(envOf(nil))); !errors.Is(err, ErrAuth) {
		t.Fatalf("foundry without credentials: %v", err)
	}
}

func TestCheckAndNewRequestRefuseWhatIsNotServed(t *testing.T) {
	u := mustNew(t, "bedrock-us", Settings{Kind: Bedrock, Region: "us-east-1", Models: map[string]string{"claude-sonnet-5-5": "us.x"}},
		WithEnv(envOf(map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "k"})))
	var un *Unsupported
	err := u.Check(OpMessages, "claude-haiku-5-5", nil, []byte(`{}`))
	if !errors.As(err, &un) || un.Upstream != "bedrock-us" || un.Reason != "model not served" {
		t.Fatalf("%v", err)
	}
	if err := u.Check(OpMessages, "claude-sonnet-5-5", []string{"files-api-2025-04-14"}, nil); !errors.As(err, &un) || un.Reason != "beta files-api not supported" {
		t.Fatalf("%v", err)
	}
	if err := u.Check(OpMessages, "claude-sonnet-5-5", nil, []byte(`{"messages":[]}`)); err != nil {
		t.Fatal(err)
	}
	_, err = u.NewRequest(context.Background(), OpCountTokens, "claude-sonnet-5-5", false, []byte(`{}`), nil)
	if !errors.As(err, &un) || un.Reason != "count_tokens not served" {
		t.Fatalf("%v", err)
	}
	if _, ok := mustNew(t, "v", Settings{Kind: Vertex, Project: "p", Region: "r", CredentialsFile: writeAuthorizedUser(t)}).ModelID("m"); ok {
		t.Fatal("vertex with no models map serves a model")
	}
	if id, ok := mustNew(t, "a", Settings{Kind: AWS, Region: "r", WorkspaceID: "w"},
		WithEnv(envOf(map[string]string{"ANTHROPIC_AWS_API_KEY": "k"}))).ModelID("m"); !ok || id != "m" {
		t.Fatal("aws with no models map does not serve a model under its name")
	}
}

// writeAuthorizedUser writes a gcloud user credentials file (no network
// until a token is asked for).
func writeAuthorizedUser(t *testing.T) string {
	path := t.TempDir() + "/adc.json"
	data := `{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r","token_uri":"http://127.0.0.1:1/token"}`
	if err := writeFile(path, data); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResponseLeavesTheAnthropicKindAlone(t *testing.T) {
	u := mustNew(t, "anthropic", Settings{Kind: Anthropic}, WithEnv(envOf(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test-key"})))
	resp := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("<html>"))}
	if u.Response(resp, false) != resp {
		t.Fatal("anthropic response changed")
	}
}

func TestResponseDecodesAGzipErrorAndBoundsItsRead(t *testing.T) {
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1"}, WithEnv(envOf(map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "k"})))
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`{"message":"bad input"}`))
	_ = zw.Close()
	resp := u.Response(&http.Response{StatusCode: 400, Header: http.Header{"Content-Encoding": {"gzip"},
		"X-Amzn-Errortype": {"ValidationException"}}, Body: io.NopCloser(&zb)}, false)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || string(b) != `{"type":"error","error":{"type":"invalid_request_error","message":"bad input"}}` || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
	huge := io.MultiReader(strings.NewReader(`{"message":"`), strings.NewReader(strings.Repeat("x", 3<<20)))
	resp = u.Response(&http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(huge)}, false)
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || len(b) > 1<<20 {
		t.Fatalf("%d, %d bytes", resp.StatusCode, len(b))
	}
	anth := `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
	resp = u.Response(&http.Response{StatusCode: 529, Header: http.Header{"Request-Id": {"req_1"}, "X-Amzn-Requestid": {"aws"}},
		Body: io.NopCloser(strings.NewReader(anth))}, false)
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 529 || string(b) != anth || resp.Header.Get("Request-Id") != "req_1" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
}

func TestAnAnthropicUpstreamWithoutItsKeyIsRefused(t *testing.T) {
	_, err := New(context.Background(), "anthropic-b", Settings{Kind: Anthropic, APIKeyEnv: "KEY_B"}, WithEnv(envOf(nil)))
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "$KEY_B") {
		t.Fatalf("New error %v, want ErrAuth naming $KEY_B", err)
	}
}
