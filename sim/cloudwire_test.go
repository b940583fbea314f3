package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	sdkaws "github.com/anthropics/anthropic-sdk-go/v2/aws"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/foundry"
	"github.com/anthropics/anthropic-sdk-go/v2/googlecloud"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bulwarkhq/bulwark/sim"
)

func httpOption(t *testing.T) option.RequestOption {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return option.WithHTTPClient(&http.Client{Transport: tr})
}

// cloudServices are the Messages services of the SDK's clients for the
// first-party wire at the clouds, each pointed at base+"/"+name.
func cloudServices(t *testing.T, base string) map[string]*anthropic.MessageService {
	t.Helper()
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "")
	t.Setenv("ANTHROPIC_AWS_API_KEY", "")
	c := context.Background()
	mantle, err := bedrock.NewMantleClient(c, bedrock.MantleClientConfig{AWSAccessKey: sim.AWSAccessKeyID, AWSSecretAccessKey: sim.AWSSecretAccessKey,
		AWSRegion: "us-west-2", BaseURL: base + "/mantle-west/anthropic"}, httpOption(t), option.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	platform, err := sdkaws.NewClient(c, sdkaws.ClientConfig{AWSAccessKey: sim.AWSAccessKeyID, AWSSecretAccessKey: sim.AWSSecretAccessKey,
		AWSRegion: "us-east-1", WorkspaceID: "wrkspc_sim", BaseURL: base + "/aws-east"}, httpOption(t), option.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	gc, err := googlecloud.NewClient(c, googlecloud.ClientConfig{BaseURL: base + "/gcp", TokenSource: googleCreds(t, base).TokenSource})
	if err != nil {
		t.Fatal(err)
	}
	keyed, err := foundry.NewClient(foundry.ClientConfig{APIKey: sim.FoundryAPIKey, BaseURL: base + "/foundry-eu/anthropic/"}, httpOption(t), option.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	entra, err := foundry.NewClient(foundry.ClientConfig{BaseURL: base + "/anthropic/",
		AzureADTokenProvider: func(context.Context) (string, error) { return sim.EntraToken, nil }}, httpOption(t), option.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*anthropic.MessageService{
		"mantle-west": &mantle.Messages, "aws-east": &platform.Messages, "gcp": &gc.Messages,
		"foundry-eu": &keyed.Messages, "foundry": &entra.Messages,
	}
}

func TestTheCloudsFirstPartyWiresAnswerTheirSDKClientsAndTellTheKindByCredential(t *testing.T) {
	s, base, stop, err := sim.Start(sim.WithSeed(9))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	wantKind := map[string]string{"mantle-west": sim.KindBedrockMantle, "aws-east": sim.KindAWS, "gcp": sim.KindGoogleCloud,
		"foundry-eu": sim.KindFoundry, "foundry": sim.KindFoundry}
	for name, svc := range cloudServices(t, base) {
		p := params("claude-haiku-5-5", "hello "+name)
		msg, err := svc.New(ctx(t), p, option.WithMaxRetries(0))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		stream := svc.NewStreaming(ctx(t), p, option.WithMaxRetries(0))
		var acc anthropic.Message
		for stream.Next() {
			_ = acc.Accumulate(stream.Current())
		}
		if err := stream.Err(); err != nil || len(acc.Content) != 1 || acc.Content[0].Text != msg.Content[0].Text {
			t.Errorf("%s stream: %v %+v", name, err, acc)
		}
		if up := s.Stats().Upstreams[name]; up.Kind != wantKind[name] || up.Outcomes["ok"] != 2 {
			t.Errorf("%s: stats %+v, want kind %s", name, up, wantKind[name])
		}
	}
}

func TestTheCloudsFirstPartyWiresRefuseWrongCredentials(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	wrongSecret := testAWS
	wrongSecret.SecretAccessKey = "wrong"
	b := body("claude-haiku-5-5", "hi")
	for _, c := range []struct {
		name, path, service string
		creds               *aws.Credentials
		header              []string
		status              int
	}{
		{"mantle, wrong secret", "/anthropic/v1/messages", "bedrock-mantle", &wrongSecret, nil, 403},
		{"aws, wrong secret", "/aws-east/v1/messages", "aws-external-anthropic", &wrongSecret, nil, 403},
		{"aws, no credentials", "/aws-east/v1/messages", "", nil, nil, 403},
		{"foundry, wrong key", "/foundry-eu/anthropic/v1/messages", "", nil, []string{"api-key", "nope"}, 401},
		{"foundry, wrong Entra token", "/foundry/anthropic/v1/messages", "", nil, []string{"Authorization", "Bearer nope"}, 401},
		{"google-cloud, no token", "/google-cloud/v1/messages", "", nil, nil, 401},
		{"google-cloud workspace path, unknown token", "/v1/projects/p/locations/global/workspaces/w/invoke/v1/messages", "", nil,
			[]string{"Authorization", "Bearer ya29.nope"}, 401},
	} {
		res := signedPost(t, base, c.path, b, c.service, c.creds, c.header...)
		raw, _ := io.ReadAll(res.Body)
		var e struct {
			Type  string
			Error struct{ Type, Message string }
		}
		if res.StatusCode != c.status || json.Unmarshal(raw, &e) != nil || e.Type != "error" || e.Error.Message == "" {
			t.Errorf("%s: %d %s", c.name, res.StatusCode, raw)
		}
	}
	// The first-party API itself still takes any key, or none.
	if res := signedPost(t, base, "/v1/messages", b, "", nil, "x-api-key", "anything"); res.StatusCode != 200 {
		t.Errorf("first-party: %d", res.StatusCode)
	}
	if res := signedPost(t, base, "/anthropic/v1/messages", b, "", nil); res.StatusCode != 200 {
		t.Errorf("first-party under /anthropic: %d", res.StatusCode)
	}
}

func TestTheGoogleCloudWorkspacePathIsTheFirstPartyWire(t *testing.T) {
	s, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	s.SetRules([]sim.Rule{{Upstream: "google-cloud", Model: "*", Status: 529}})
	const p = "/v1/projects/p/locations/global/workspaces/w/invoke/v1/messages"
	res := signedPost(t, base, p, body("claude-sonnet-5-5", "hi"), "", nil, "Authorization", "Bearer "+googleToken(t, base))
	raw, _ := io.ReadAll(res.Body)
	if e := decodeError(t, raw); res.StatusCode != 529 || e.Error.Type != "overloaded_error" || res.Header.Get("request-id") == "" {
		t.Errorf("%d %s", res.StatusCode, raw)
	}
}

func TestFaultsOnTheCloudsFirstPartyWiresKeepTheFirstPartyShape(t *testing.T) {
	s, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	s.SetRules([]sim.Rule{{Upstream: "foundry", Model: "*", Status: 429, RetryAfter: sim.Duration(2e9)}, {Upstream: "bedrock-mantle", Model: "*", Status: 500}})
	svcs := cloudServices(t, base)
	for name, want := range map[string]int{"foundry-eu": 429, "mantle-west": 500, "aws-east": 0} {
		_, err := svcs[name].New(ctx(t), params("claude-haiku-5-5", "hi"), option.WithMaxRetries(0))
		var apiErr *anthropic.Error
		switch {
		case want == 0 && err != nil:
			t.Errorf("%s: %v", name, err)
		case want != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != want):
			t.Errorf("%s: %v, want %d", name, err, want)
		case want == 429 && apiErr.Response.Header.Get("retry-after") != "2":
			t.Errorf("%s: retry-after %q", name, apiErr.Response.Header.Get("retry-after"))
		}
	}
	if !strings.Contains(s.Stats().Upstreams["foundry-eu"].Kind, "foundry") {
		t.Errorf("stats %+v", s.Stats().Upstreams)
	}
}
