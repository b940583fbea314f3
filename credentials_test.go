package bulwark_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

// noCredentialsEnv clears every credential source the SDK reads: the
// environment variables and the profile folder of `ant auth login`.
func noCredentialsEnv(t *testing.T) {
	for _, v := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
		"ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_IDENTITY_TOKEN"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)  // the SDK takes a set but empty variable for a partial configuration
	}
	t.Setenv("ANTHROPIC_CONFIG_DIR", t.TempDir())
}

func TestNewSaysCredentialsAreMissingWhenNoKeyIsGivenAnywhere(t *testing.T) {
	quiet := bulwark.WithLogger(slog.New(slog.DiscardHandler))
	const anyURL = "http://127.0.0.1:1" // never called
	passThrough := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(r) })
	for _, tt := range []struct {
		name    string
		env     []string
		opts    []bulwark.Option
		missing bool
	}{
		{name: "nothing at all", missing: true},
		{name: "only a middleware", opts: []bulwark.Option{bulwark.WithRequestOptions(passThrough)}, missing: true},
		{name: "WithAPIKey", opts: []bulwark.Option{bulwark.WithAPIKey("sk-ant-option")}},
		{name: "ANTHROPIC_API_KEY", env: []string{"ANTHROPIC_API_KEY", "sk-ant-env"}},
		{name: "ANTHROPIC_AUTH_TOKEN", env: []string{"ANTHROPIC_AUTH_TOKEN", "oauth-token"}},
		{name: "an SDK credential option", opts: []bulwark.Option{bulwark.WithRequestOptions(option.WithAuthToken("oauth-token"))}},
		{name: "an x-api-key header option", opts: []bulwark.Option{bulwark.WithRequestOptions(option.WithHeader("x-api-key", "sk-ant-header"))}},
		// The SDK sends nothing without credentials, whatever the base URL.
		{name: "WithBaseURL (a simulator)", opts: []bulwark.Option{bulwark.WithBaseURL(anyURL)}, missing: true},
		{name: "ANTHROPIC_BASE_URL (a proxy)", env: []string{"ANTHROPIC_BASE_URL", anyURL}, missing: true},
		{name: "WithHTTPClient (a test transport)", opts: []bulwark.Option{bulwark.WithHTTPClient(&http.Client{})}, missing: true},
		{name: "WithBaseURL and a key", opts: []bulwark.Option{bulwark.WithBaseURL(anyURL), bulwark.WithAPIKey("test")}},
		{name: "another base URL and a middleware", opts: []bulwark.Option{bulwark.WithBaseURL(anyURL), bulwark.WithRequestOptions(passThrough)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			noCredentialsEnv(t)
			for i := 0; i+1 < len(tt.env); i += 2 {
				t.Setenv(tt.env[i], tt.env[i+1])
			}
			g, err := bulwark.New(append(tt.opts, quiet)...)
			if tt.missing {
				if !errors.Is(err, bulwark.ErrNoCredentials) || g != nil || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
					t.Fatalf("New = %v, %v; want ErrNoCredentials", g, err)
				}
				return
			}
			if err != nil || g == nil {
				t.Fatalf("New: %v", err)
			}
		})
	}
}

func TestNoKeyIsLoggedWhenTheUpstreamEchoesItInAnError(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 401, EchoKey: true})
	g := f.guard(t)
	if _, _, err := g.Messages(context.Background(), params("hi")); err == nil {
		t.Fatal("no error from a 401")
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "agent.misconfig") || !strings.Contains(logs, "[redacted]") || strings.Contains(logs, "sk-test-key") {
		t.Errorf("the key is logged, or the upstream message is not:\n%s", logs)
	}
}
