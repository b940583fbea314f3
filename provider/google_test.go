package provider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testClientEmail = "bulwark-test@my-project.iam.gserviceaccount.com"

// tokenServer plays Google's token endpoint: it checks the JWT grant
// (RS256 with key's public half, issuer, audience, scope, times) and
// answers a new access token each time.
type tokenServer struct {
	*httptest.Server
	key     *rsa.PrivateKey
	fetches atomic.Int32
	mu      sync.Mutex
	errs    []string
}

func newTokenServer(t *testing.T, key *rsa.PrivateKey) *tokenServer {
	ts := &tokenServer{key: key}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ts.check(r); err != nil {
			ts.mu.Lock()
			ts.errs = append(ts.errs, err.Error())
			ts.mu.Unlock()
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		n := ts.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"ya29.test-token-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) errors() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.errs...)
}

func (ts *tokenServer) check(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return fmt.Errorf("grant_type %q", g)
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		return errors.New("assertion is not a JWT")
	}
	var head struct{ Alg, Typ string }
	var claims struct {
		Iss, Scope, Aud string
		Iat, Exp        int64
	}
	for i, v := range []any{&head, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return err
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&ts.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	switch {
	case head.Alg != "RS256":
		return fmt.Errorf("alg %q", head.Alg)
	case claims.Iss != testClientEmail:
		return fmt.Errorf("iss %q", claims.Iss)
	case claims.Aud != ts.URL+"/token":
		return fmt.Errorf("aud %q, want %s", claims.Aud, ts.URL+"/token")
	case claims.Scope != googleScope:
		return fmt.Errorf("scope %q", claims.Scope)
	case claims.Exp <= claims.Iat || time.Unix(claims.Exp, 0).Before(time.Now()):
		return fmt.Errorf("times iat %d exp %d", claims.Iat, claims.Exp)
	}
	return nil
}

// serviceAccountFile writes a service-account key file for key whose
// token_uri is tokenURI, and returns its path and private key PEM.
func serviceAccountFile(t *testing.T, key *rsa.PrivateKey, tokenURI string) (string, string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	data, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-project", "private_key_id": "kid1",
		"private_key": pemKey, "client_email": testClientEmail, "client_id": "1",
		"token_uri": tokenURI,
	})
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pemKey
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func TestVertexRoundTripWithAServiceAccount(t *testing.T) {
	key := testRSAKey(t)
	tok := newTokenServer(t, key)
	file, pemKey := serviceAccountFile(t, key, tok.URL+"/token")
	srv, seen := playServer(t, "", "", okJSON)
	sink, secrets := sinkOf()
	ctx, cancel := context.WithCancel(context.Background())
	u, err := New(ctx, "vertex-us", Settings{Kind: Vertex, Project: "my-project", Region: "us-east5", BaseURL: srv.URL + "/vertex",
		CredentialsFile: file, Models: map[string]string{"claude-sonnet-5-5": "claude-sonnet-5-5@20260101"}},
		WithSecretSink(sink), WithEnv(envOf(nil)))
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the token source outlives New's context
	h := http.Header{"Anthropic-Version": {"2023-06-01"}, "Anthropic-Beta": {"x-beta"}, "X-Api-Key": {"client"}}
	for i := 0; i < 2; i++ {
		req, err := u.NewRequest(context.Background(), OpMessages, "claude-sonnet-5-5", true,
			[]byte(`{"model":"claude-sonnet-5-5","stream":true,"messages":[]}`), h)
		if err != nil {
			t.Fatalf("%v (token server: %v)", err, tok.errors())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	got := seen()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
	if r.path != "/vertex/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5@20260101:streamRawPredict" {
		t.Errorf("path %s", r.path)
	}
	if string(r.body) != `{"stream":true,"messages":[],"anthropic_version":"vertex-2023-10-16"}` {
		t.Errorf("body %s", r.body)
	}
	if r.header.Get("Authorization") != "Bearer ya29.test-token-1" || got[1].header.Get("Authorization") != "Bearer ya29.test-token-1" {
		t.Errorf("authorization %q, %q", r.header.Get("Authorization"), got[1].header.Get("Authorization"))
	}
	if r.header.Get("X-Api-Key") != "" || r.header.Get("Anthropic-Version") != "" || r.header.Get("Anthropic-Beta") != "x-beta" {
		t.Errorf("headers %v", r.header)
	}
	if n := tok.fetches.Load(); n != 1 {
		t.Errorf("%d token fetches, want 1 (cached)", n)
	}
	if s := secrets(); !containsString(s, "ya29.test-token-1") || !containsString(s, pemKey) {
		t.Errorf("the access token or the private key did not reach the sink (%d secrets)", len(s))
	}
}

func TestGoogleTokenURLOverridesTheFiles(t *testing.T) {
	key := testRSAKey(t)
	tok := newTokenServer(t, key)
	// The file points at nothing; the override at the token server. The
	// JWT's audience is the endpoint actually used.
	file, _ := serviceAccountFile(t, key, "http://127.0.0.1:1/token")
	srv, seen := playServer(t, "", "", okJSON)
	u := mustNew(t, "gc", Settings{Kind: GoogleCloud, BaseURL: srv.URL + "/gc", CredentialsFile: file, TokenURL: tok.URL + "/token"})
	req, err := u.NewRequest(context.Background(), OpCountTokens, "claude-sonnet-5-5", false, []byte(`{"model":"claude-sonnet-5-5"}`), nil)
	if err != nil {
		t.Fatalf("%v (token server: %v)", err, tok.errors())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	r := seen()[0]
	if r.path != "/gc/v1/messages/count_tokens" || r.header.Get("Authorization") != "Bearer ya29.test-token-1" ||
		string(r.body) != `{"model":"claude-sonnet-5-5"}` || r.header.Get("Anthropic-Version") != "2023-06-01" {
		t.Fatalf("%s %v %s", r.path, r.header, r.body)
	}
}

func TestGoogleApplicationCredentialsReadThroughWithEnv(t *testing.T) {
	key := testRSAKey(t)
	tok := newTokenServer(t, key)
	file, _ := serviceAccountFile(t, key, tok.URL+"/token")
	u := mustNew(t, "v", Settings{Kind: Vertex, Project: "p", Region: "global", Models: map[string]string{"m": "m"}},
		WithEnv(envOf(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": file})))
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.String() != "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/anthropic/models/m:rawPredict" ||
		req.Header.Get("Authorization") != "Bearer ya29.test-token-1" {
		t.Fatalf("%s %v", req.URL, req.Header)
	}
}

func TestGoogleTokenFailureIsErrAuth(t *testing.T) {
	key := testRSAKey(t)
	file, _ := serviceAccountFile(t, key, "http://127.0.0.1:1/token")
	u := mustNew(t, "v", Settings{Kind: Vertex, Project: "p", Region: "r", Models: map[string]string{"m": "m"}, CredentialsFile: file})
	_, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v, want ErrAuth", err)
	}
	if _, err := New(context.Background(), "v", Settings{Kind: Vertex, Project: "p", Region: "r", CredentialsFile: file + ".missing"}); !errors.Is(err, ErrAuth) {
		t.Fatalf("missing file: %v, want ErrAuth", err)
	}
}

func TestVertexGoogleShapedErrorsInAnArray(t *testing.T) {
	key := testRSAKey(t)
	tok := newTokenServer(t, key)
	file, _ := serviceAccountFile(t, key, tok.URL+"/token")
	srv, _ := playServer(t, "", "", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `[{"error":{"code":429,"message":"Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model","status":"RESOURCE_EXHAUSTED"}}]`)
	})
	u := mustNew(t, "v", Settings{Kind: Vertex, Project: "p", Region: "r", BaseURL: srv.URL, CredentialsFile: file, Models: map[string]string{"m": "m"}})
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp = u.Response(resp, false)
	b, _ := io.ReadAll(resp.Body)
	want := `{"type":"error","error":{"type":"rate_limit_error","message":"Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model"}}`
	if resp.StatusCode != 429 || string(b) != want {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
