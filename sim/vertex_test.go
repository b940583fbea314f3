package sim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/vertex"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/bulwarkhq/bulwark/sim"
)

const cloudScope = "https://www.googleapis.com/auth/cloud-platform"

// googleCreds reads the simulator's service-account file with Google's own
// library, which then gets its tokens from the simulator's token endpoint.
func googleCreds(t *testing.T, base string) *google.Credentials {
	t.Helper()
	res, b := do(t, "GET", base+"/_sim/google/service-account.json", "")
	if res.StatusCode != 200 {
		t.Fatalf("service-account.json: %d %s", res.StatusCode, b)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: tr})
	creds, err := google.CredentialsFromJSON(c, b, cloudScope)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

func vertexClient(t *testing.T, base string, creds *google.Credentials) anthropic.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return anthropic.NewClient(option.WithHTTPClient(&http.Client{Transport: tr}),
		vertex.WithCredentials(context.Background(), "us-east5", sim.GoogleProjectID, creds),
		option.WithBaseURL(base+"/"), option.WithMaxRetries(0))
}

func TestTheVertexSDKCompletesRawPredictAndItsStreamWithATokenFromTheSim(t *testing.T) {
	s, base, stop, err := sim.Start(sim.WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	client := vertexClient(t, base, googleCreds(t, base))
	p := params("claude-sonnet-5-5@20260514", "What is Vertex?")
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || !strings.HasPrefix(msg.Content[0].Text, "Simulated answer from claude-sonnet-5-5") {
		t.Errorf("message %+v", msg)
	}
	stream := client.Messages.NewStreaming(ctx(t), p)
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil || len(acc.Content) != 1 || acc.Content[0].Text != msg.Content[0].Text {
		t.Errorf("stream %v %+v", err, acc)
	}
	n, err := client.Messages.CountTokens(ctx(t), anthropic.MessageCountTokensParams{Model: "claude-sonnet-5-5",
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("count me"))}})
	if err != nil || n.InputTokens < 1 {
		t.Errorf("count-tokens %v %+v", err, n)
	}
	if up := s.Stats().Upstreams["vertex"]; up.Kind != sim.KindVertex || up.Requests != 3 || up.Models["claude-sonnet-5-5"] != 3 {
		t.Errorf("vertex stats %+v", up)
	}
}

const vertexPath = "/vertex-us/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5:"

func vertexBody(extra string) string {
	return `{"anthropic_version":"vertex-2023-10-16",` + extra + `"max_tokens":32,"messages":[{"role":"user","content":"hi"}]}`
}

func TestVertexRefusesAMissingOrUnknownToken(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	for _, h := range [][]string{nil, {"Authorization", "Bearer ya29.not-issued"}} {
		res, b := do(t, "POST", base+vertexPath+"rawPredict", vertexBody(""), h...)
		var e struct {
			Error struct {
				Code            int
				Status, Message string
			}
		}
		if res.StatusCode != 401 || json.Unmarshal(b, &e) != nil || e.Error.Status != "UNAUTHENTICATED" || e.Error.Code != 401 {
			t.Errorf("%v: %d %s", h, res.StatusCode, b)
		}
	}
}

// googleToken gets an access token the way a service account does.
func googleToken(t *testing.T, base string) string {
	t.Helper()
	tok, err := googleCreds(t, base).TokenSource.Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func TestVertexFaultsAnswerGoogleShapedAndArrayWrappedOnStreams(t *testing.T) {
	s, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	auth := "Bearer " + googleToken(t, base)
	for _, c := range []struct {
		status int
		want   string
	}{{429, "RESOURCE_EXHAUSTED"}, {503, "UNAVAILABLE"}, {500, "INTERNAL"}, {400, "INVALID_ARGUMENT"}} {
		s.SetRules([]sim.Rule{{Upstream: "vertex", Model: "claude-sonnet-5-5", Status: c.status, RetryAfter: sim.Duration(2e9)}})
		for _, method := range []string{"rawPredict", "streamRawPredict"} {
			res, b := do(t, "POST", base+vertexPath+method, vertexBody(""), "Authorization", auth)
			var one struct {
				Error struct {
					Code            int
					Status, Message string
				}
			}
			raw := b
			if method == "streamRawPredict" {
				var arr []json.RawMessage
				if json.Unmarshal(b, &arr) != nil || len(arr) != 1 {
					t.Errorf("%d on %s: %s is not wrapped in an array", c.status, method, b)
					continue
				}
				raw = arr[0]
			}
			if res.StatusCode != c.status || json.Unmarshal(raw, &one) != nil || one.Error.Status != c.want || one.Error.Code != c.status ||
				one.Error.Message == "" || res.Header.Get("Retry-After") != "" {
				t.Errorf("%d on %s: %d %v %s", c.status, method, res.StatusCode, res.Header, b)
			}
		}
	}
}

func TestAVertexStreamErrorIsAnSSEErrorEvent(t *testing.T) {
	_, base, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "*", StreamErrorAfterTokens: 2, ErrorType: "overloaded_error"}}))
	t.Cleanup(stop)
	res, b := do(t, "POST", base+vertexPath+"streamRawPredict", vertexBody(""), "Authorization", "Bearer "+googleToken(t, base))
	evs := readEvents(t, strings.NewReader(string(b)))
	if res.StatusCode != 200 || names(evs) != "message_start content_block_start ping content_block_delta error" ||
		!strings.Contains(evs[len(evs)-1].data, "overloaded_error") {
		t.Errorf("%d %s", res.StatusCode, names(evs))
	}
}

func TestVertexValidatesItsBody(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	auth := "Bearer " + googleToken(t, base)
	for _, body := range []string{
		`{"model":"claude-sonnet-5-5",` + vertexBody("")[1:],
		`{"max_tokens":32,"messages":[{"role":"user","content":"hi"}]}`,
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}`,
	} {
		res, b := do(t, "POST", base+vertexPath+"rawPredict", body, "Authorization", auth)
		if res.StatusCode != 400 || !strings.Contains(string(b), `"INVALID_ARGUMENT"`) {
			t.Errorf("%s: %d %s", body, res.StatusCode, b)
		}
	}
}

func TestTheTokenEndpointRefusesABadAssertion(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	for _, form := range []url.Values{
		{"grant_type": {"client_credentials"}},
		{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"e30.e30.c2ln"}},
	} {
		res, b := do(t, "POST", base+"/_sim/google/token", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		var e struct{ Error string }
		if res.StatusCode != 400 || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("%v: %d %s", form, res.StatusCode, b)
		}
	}
}

func TestTheMetadataServerIssuesTokensToClientsThatSayMetadataFlavor(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	const p = "/computeMetadata/v1/instance/service-accounts/default/token"
	if res, _ := do(t, "GET", base+p, ""); res.StatusCode != 403 {
		t.Errorf("without Metadata-Flavor: %d", res.StatusCode)
	}
	res, b := do(t, "GET", base+p, "", "Metadata-Flavor", "Google")
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if res.StatusCode != 200 || json.Unmarshal(b, &tok) != nil || tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	if res, b := do(t, "POST", base+vertexPath+"rawPredict", vertexBody(""), "Authorization", "Bearer "+tok.AccessToken); res.StatusCode != 200 {
		t.Errorf("with the metadata token: %d %s", res.StatusCode, b)
	}
	if _, b := do(t, "GET", base+"/computeMetadata/v1/project/project-id", "", "Metadata-Flavor", "Google"); string(b) != sim.GoogleProjectID {
		t.Errorf("project-id %q", b)
	}
}

func TestGoogleMetadataHostPointedAtTheSimFeedsDefaultCredentials(t *testing.T) {
	_, base, stop, _ := sim.Start()
	t.Cleanup(stop)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("HOME", t.TempDir()) // no gcloud well-known file
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(base, "http://"))
	creds, err := google.FindDefaultCredentials(context.Background(), cloudScope)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := creds.TokenSource.Token()
	if err != nil || !strings.HasPrefix(tok.AccessToken, "ya29.") {
		t.Fatalf("token %v %v", tok, err)
	}
}
