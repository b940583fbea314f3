package provider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chainCreds are the credentials the credential endpoints below hand out.
const (
	chainAccessKey = "ASIACHAINEXAMPLE"
	chainSecretKey = "chainSecretKeyEXAMPLE0123456789abcdefghij"
	chainSession   = "chainSessionTokenEXAMPLE"
)

// signedBy returns the access key id in r's SigV4 Authorization.
func signedBy(h http.Header) string {
	auth := h.Get("Authorization")
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return ""
	}
	id, _, _ := strings.Cut(auth[i+len("Credential="):], "/")
	return id
}

func TestIMDSEndpointOverrideGivesInstanceRoleCredentials(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = io.WriteString(w, "imds-session")
		case r.Header.Get("X-Aws-Ec2-Metadata-Token") != "imds-session":
			http.Error(w, "no token", 401)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			_, _ = io.WriteString(w, "bulwark-role")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/bulwark-role":
			_, _ = io.WriteString(w, `{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"`+chainAccessKey+
				`","SecretAccessKey":"`+chainSecretKey+`","Token":"`+chainSession+`","Expiration":"2100-01-01T00:00:00Z"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer imds.Close()
	sink, secrets := sinkOf()
	u := mustNew(t, "b", Settings{Kind: Bedrock, Region: "us-east-1", BaseURL: "http://127.0.0.1:1",
		Models: map[string]string{"m": "m"}, IMDSEndpoint: imds.URL}, WithSecretSink(sink))
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if signedBy(req.Header) != chainAccessKey || req.Header.Get("X-Amz-Security-Token") != chainSession {
		t.Fatalf("signed with %q: %v", signedBy(req.Header), req.Header)
	}
	if s := secrets(); !containsString(s, chainSecretKey) || !containsString(s, chainSession) {
		t.Fatalf("sink got %q", s)
	}
}

func TestSTSEndpointOverrideGivesWebIdentityCredentials(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("web-identity-jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/bulwark")
	t.Setenv("AWS_ROLE_SESSION_NAME", "bulwark-test")
	var form string
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm.Encode()
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>`+chainAccessKey+`</AccessKeyId>
      <SecretAccessKey>`+chainSecretKey+`</SecretAccessKey>
      <SessionToken>`+chainSession+`</SessionToken>
      <Expiration>2100-01-01T00:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`)
	}))
	defer sts.Close()
	sink, secrets := sinkOf()
	u := mustNew(t, "m", Settings{Kind: BedrockMantle, Region: "us-east-1", BaseURL: "http://127.0.0.1:1",
		Models: map[string]string{"m": "m"}, STSEndpoint: sts.URL}, WithSecretSink(sink))
	req, err := u.NewRequest(context.Background(), OpMessages, "m", false, []byte(`{"model":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(form, "Action=AssumeRoleWithWebIdentity") || !strings.Contains(form, "WebIdentityToken=web-identity-jwt") {
		t.Fatalf("STS form %q", form)
	}
	if signedBy(req.Header) != chainAccessKey || !containsString(secrets(), chainSecretKey) {
		t.Fatalf("signed with %q; sink %q", signedBy(req.Header), secrets())
	}
}
