package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Static test credentials (never real ones).
const (
	testAccessKey = "AKIDEXAMPLE"
	testSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testSession   = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
)

// isolateAWS keeps the AWS credential chain off this machine's files and
// instance metadata, and gives it the static test credentials.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CA_BUNDLE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	t.Setenv("AWS_SESSION_TOKEN", testSession)
	t.Setenv("AWS_PROFILE", "")
	for _, k := range []string{"AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
}

// verifySigV4 recomputes the signature of r with the same signer and the
// test credentials over the headers r says it signed, and reports what
// is wrong ("" when the signature matches).
func verifySigV4(r *http.Request, body []byte, service, region string) string {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		return "not SigV4: " + auth
	}
	var signed []string
	for _, part := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ", ") {
		if v, ok := strings.CutPrefix(part, "SignedHeaders="); ok {
			signed = strings.Split(v, ";")
		}
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "no X-Amz-Date"
	}
	re, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range signed {
		if h != "host" && h != "content-length" {
			re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, SessionToken: testSession}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), service, region, when); err != nil {
		return err.Error()
	}
	if re.Header.Get("Authorization") != auth {
		return "signature mismatch:\n got " + auth + "\nwant " + re.Header.Get("Authorization")
	}
	return ""
}

// recorded is what a test server saw of one request.
type recorded struct {
	method, path, rawPath string
	header                http.Header
	body                  []byte
	sigErr                string
}

// playServer plays an upstream: it records each request (checking SigV4
// for service when service is not ""), then answers with answer.
func playServer(t *testing.T, service, region string, answer http.HandlerFunc) (*httptest.Server, func() []recorded) {
	t.Helper()
	var mu sync.Mutex
	var seen []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{method: r.Method, path: r.URL.Path, rawPath: r.URL.EscapedPath(), header: r.Header.Clone(), body: body}
		if service != "" {
			rec.sigErr = verifySigV4(r, body, service, region)
		}
		mu.Lock()
		seen = append(seen, rec)
		mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), seen...)
	}
}

func okJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"msg_1","type":"message","content":[]}`)
}

// sinkOf returns a secret sink and what it has been given.
func sinkOf() (func(string), func() []string) {
	var mu sync.Mutex
	var got []string
	return func(s string) {
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), got...)
		}
}

func TestSigV4PerAWSKindRoundTrip(t *testing.T) {
	isolateAWS(t)
	cases := []struct {
		k        Kind
		service  string
		path     string
		settings Settings
	}{
		{Bedrock, "bedrock", "/bedrock-us/model/us.anthropic.claude-sonnet-5-5-v1:0/invoke",
			Settings{Models: map[string]string{"claude-sonnet-5-5": "us.anthropic.claude-sonnet-5-5-v1:0"}}},
		{BedrockMantle, "bedrock-mantle", "/bedrock-us/v1/messages",
			Settings{Models: map[string]string{"claude-sonnet-5-5": "anthropic.claude-sonnet-5-5"}}},
		{AWS, "aws-external-anthropic", "/bedrock-us/v1/messages", Settings{WorkspaceID: "wrk_123"}},
	}
	for _, c := range cases {
		t.Run(string(c.k), func(t *testing.T) {
			srv, seen := playServer(t, c.service, "us-east-1", okJSON)
			sink, secrets := sinkOf()
			s := c.settings
			s.Kind, s.Region, s.BaseURL = c.k, "us-east-1", srv.URL+"/bedrock-us"
			u := mustNew(t, "up", s, WithSecretSink(sink))
			h := http.Header{"Anthropic-Version": {"2023-06-01"}, "Anthropic-Beta": {"context-1m-2025-08-07"},
				"X-Api-Key": {"client-key"}, "User-Agent": {"sdk/1"}}
			body := []byte(`{"model":"claude-sonnet-5-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)
			req, err := u.NewRequest(context.Background(), OpMessages, "claude-sonnet-5-5", false, body, h)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp = u.Response(resp, false)
			_ = resp.Body.Close()
			got := seen()
			if len(got) != 1 || resp.StatusCode != 200 {
				t.Fatalf("%d requests, status %d", len(got), resp.StatusCode)
			}
			r := got[0]
			if r.sigErr != "" {
				t.Fatal(r.sigErr)
			}
			if r.path != c.path {
				t.Errorf("path %s, want %s", r.path, c.path)
			}
			if r.header.Get("X-Api-Key") != "" {
				t.Error("the client's x-api-key reached a cloud")
			}
			if r.header.Get("X-Amz-Security-Token") != testSession {
				t.Errorf("session token header %q", r.header.Get("X-Amz-Security-Token"))
			}
			if c.k == AWS && r.header.Get("Anthropic-Workspace-Id") != "wrk_123" {
				t.Errorf("workspace header %q", r.header.Get("Anthropic-Workspace-Id"))
			}
			if c.k == AWS && !strings.Contains(r.header.Get("Authorization"), "anthropic-workspace-id") {
				t.Errorf("workspace header not signed: %s", r.header.Get("Authorization"))
			}
			if c.k == Bedrock {
				want := `{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-1m-2025-08-07"]}`
				if string(r.body) != want || r.header.Get("Anthropic-Beta") != "" || r.header.Get("Anthropic-Version") != "" {
					t.Errorf("bedrock body %s, headers %v", r.body, r.header)
				}
			}
			if !containsString(secrets(), testSecretKey) || !containsString(secrets(), testSession) {
				t.Errorf("the AWS secrets did not reach the sink: %q", secrets())
			}
		})
	}
}

func TestSigV4SignsAnEscapedModelID(t *testing.T) {
	isolateAWS(t)
	srv, seen := playServer(t, "bedrock", "us-west-2", okJSON)
	id := "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc"
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-west-2", BaseURL: srv.URL, Models: map[string]string{"m": id}})
	req, err := u.NewRequest(context.Background(), OpMessages, "m", true, []byte(`{"model":"m","stream":true}`), http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	r := seen()[0]
	if r.sigErr != "" || r.rawPath != "/model/"+strings.ReplaceAll(id, "/", "%2F")+"/invoke-with-response-stream" {
		t.Fatalf("path %s, signature: %s", r.rawPath, r.sigErr)
	}
	if req.Header.Get("Accept") != "application/vnd.amazon.eventstream" {
		t.Errorf("Accept %q", req.Header.Get("Accept"))
	}
}

func TestAWSCredentialsThroughWithEnv(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	srv, seen := playServer(t, "bedrock", "eu-central-1", okJSON)
	sink, secrets := sinkOf()
	env := envOf(map[string]string{"AWS_ACCESS_KEY_ID": testAccessKey, "AWS_SECRET_ACCESS_KEY": testSecretKey,
		"AWS_SESSION_TOKEN": testSession, "AWS_REGION": "eu-central-1"})
	u := mustNew(t, "b", Settings{Kind: Bedrock, BaseURL: srv.URL, Models: map[string]string{"m": "m"}},
		WithEnv(env), WithSecretSink(sink))
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if r := seen()[0]; r.sigErr != "" {
		t.Fatal(r.sigErr)
	}
	if got := secrets(); !containsString(got, testSecretKey) || !containsString(got, testSession) {
		t.Fatalf("sink got %q", got)
	}
}

func TestAWSWithoutCredentialsFailsTheRequestWithErrAuth(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: "http://127.0.0.1:1", Models: map[string]string{"m": "m"}})
	_, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v, want ErrAuth", err)
	}
}

func TestBedrockAPIKeyIsABearerTokenInsteadOfSigV4(t *testing.T) {
	isolateAWS(t)
	for _, env := range []string{"AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY"} {
		t.Run(env, func(t *testing.T) {
			srv, seen := playServer(t, "", "", okJSON)
			sink, secrets := sinkOf()
			u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: srv.URL, Models: map[string]string{"m": "m"}},
				WithEnv(envOf(map[string]string{env: "bedrock-api-key-1"})), WithSecretSink(sink))
			req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			r := seen()[0]
			if r.header.Get("Authorization") != "Bearer bedrock-api-key-1" || r.header.Get("X-Amz-Date") != "" {
				t.Fatalf("auth headers %v", r.header)
			}
			if !containsString(secrets(), "bedrock-api-key-1") {
				t.Fatalf("sink got %q", secrets())
			}
		})
	}
}

func TestBedrockErrorAnswerBecomesAnAnthropicError(t *testing.T) {
	isolateAWS(t)
	srv, _ := playServer(t, "bedrock", "us-east-1", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Amzn-Errortype", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
		w.Header().Set("X-Amzn-Requestid", "aws-req-9")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"message":"Too many tokens, please wait before trying again."}`)
	})
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: srv.URL, Models: map[string]string{"m": "m"}})
	req, _ := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp = u.Response(resp, false)
	b, _ := io.ReadAll(resp.Body)
	want := `{"type":"error","error":{"type":"rate_limit_error","message":"Too many tokens, please wait before trying again."},"request_id":"aws-req-9"}`
	if resp.StatusCode != 429 || string(b) != want || resp.Header.Get("Request-Id") != "aws-req-9" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
	if resp.ContentLength != int64(len(want)) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("length %d, type %q", resp.ContentLength, resp.Header.Get("Content-Type"))
	}
}

func TestBedrockStreamRoundTrip(t *testing.T) {
	isolateAWS(t)
	wire := append(streamOf(t, streamEvents[:3]), exceptionFrame(t, "throttlingException", "slow down")...)
	srv, _ := playServer(t, "bedrock", "us-east-1", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		_, _ = w.Write(wire)
	})
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: srv.URL, Models: map[string]string{"m": "m"}})
	req, _ := u.NewRequest(context.Background(), OpMessages, "m", true, []byte(`{"model":"m","stream":true}`), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp = u.Response(resp, true)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	want := sseOf(streamEvents[:3]...) + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n"
	if err != nil || string(b) != want || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%q %v\nwant %q", b, err, want)
	}
}

func TestSigV4CheckCatchesATamperedRequest(t *testing.T) {
	isolateAWS(t)
	u := mustNew(t, "a", Settings{Kind: AWS, Region: "us-east-1", WorkspaceID: "wrk_1", BaseURL: "http://127.0.0.1:9"})
	body := []byte(`{"model":"m"}`)
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = req.URL.Host
	if msg := verifySigV4(req, body, "aws-external-anthropic", "us-east-1"); msg != "" {
		t.Fatalf("an untouched request fails: %s", msg)
	}
	if verifySigV4(req, []byte(`{"model":"n"}`), "aws-external-anthropic", "us-east-1") == "" {
		t.Fatal("a changed body passes")
	}
	if verifySigV4(req, body, "bedrock", "us-east-1") == "" {
		t.Fatal("another service name passes")
	}
	req.Header.Set("Anthropic-Workspace-Id", "wrk_2")
	if verifySigV4(req, body, "aws-external-anthropic", "us-east-1") == "" {
		t.Fatal("a changed workspace header passes")
	}
}
