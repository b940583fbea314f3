package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/bulwarkhq/bulwark/sim"
)

// secondKey is a gateway whose primary model goes to the default upstream,
// then to a second Anthropic key at another simulator, then to haiku.
func secondKey(t *testing.T, primary, second *sim.Server, primaryURL, secondURL string) *gw {
	t.Helper()
	t.Setenv("TEST_KEY_B", "sk-second-key-0123456789")
	return startGateway(t, primaryURL,
		gateway.WithUpstreams(map[string]config.Upstream{"anthropic-b": {Kind: provider.Anthropic, BaseURL: secondURL, APIKeyEnv: "TEST_KEY_B"}}),
		gateway.WithTiers(map[string][]config.Tier{"default": {{Model: sonnet, Via: []string{"anthropic", "anthropic-b"}}, {Model: haiku}, {Model: "static"}}}))
}

func TestTheSameModelOnASecondKeyAnswersWhileTheFirstIsDown(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := map[bool]string{false: "whole", true: "stream"}[stream]
		t.Run(name, func(t *testing.T) {
			a, aURL := startSim(t, sim.Rule{Model: "*", Status: 529})
			b, bURL := startSim(t)
			g := secondKey(t, a, b, aURL, bURL)
			resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hello", stream))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("bulwark-model-used"); got != sonnet {
				t.Errorf("bulwark-model-used %q, want %s", got, sonnet)
			}
			if got := resp.Header.Get("bulwark-upstream"); got != "anthropic-b" {
				t.Errorf("bulwark-upstream %q, want anthropic-b", got)
			}
			if got := resp.Header.Get("bulwark-fallback"); got != "false" {
				t.Errorf("bulwark-fallback %q: the same model elsewhere is no fallback", got)
			}
			if requests(a, sonnet) == 0 || requests(b, sonnet) != 1 || requests(b, haiku) != 0 {
				t.Errorf("first key saw %d, second %d sonnet and %d haiku calls", requests(a, sonnet), requests(b, sonnet), requests(b, haiku))
			}
			if strings.Contains(string(body), "sk-second-key") {
				t.Error("the second key reached the client")
			}
		})
	}
}

func TestAnswersFromTheDefaultUpstreamNameIt(t *testing.T) {
	_, up := startSim(t)
	g := startGateway(t, up)
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hello", false))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("bulwark-upstream") != "anthropic" {
		t.Fatalf("status %d, bulwark-upstream %q: %s", resp.StatusCode, resp.Header.Get("bulwark-upstream"), body)
	}
}

func TestAnUpstreamWithoutItsKeyOrNotConfiguredIsAConfigError(t *testing.T) {
	_, up := startSim(t)
	for name, opts := range map[string][]gateway.Option{
		"key unset": {gateway.WithUpstream(up),
			gateway.WithUpstreams(map[string]config.Upstream{"b": {Kind: provider.Anthropic, BaseURL: up, APIKeyEnv: "BULWARK_TEST_UNSET_KEY"}})},
		"not configured": {gateway.WithUpstream(up), gateway.WithTiers(map[string][]config.Tier{"default": {{Model: sonnet, Via: []string{"nowhere"}}}})},
	} {
		if _, err := gateway.New(opts...); err == nil || !strings.Contains(err.Error(), "upstream") {
			t.Errorf("%s: New error %v", name, err)
		}
	}
}

func TestStatusListsTheUpstreamsAndEachDeploymentsBreaker(t *testing.T) {
	a, aURL := startSim(t, sim.Rule{Model: "*", Status: 529})
	b, bURL := startSim(t)
	g := secondKey(t, a, b, aURL, bURL)
	if resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hello", false)); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	_, body := call(t, "GET", g.url+"/v1/status", "")
	var st struct {
		Upstreams map[string]struct{ Kind, BaseURL string } `json:"upstreams"`
		Breakers  []struct{ Model, State string }           `json:"breakers"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Upstreams["anthropic-b"].Kind != "anthropic" || st.Upstreams["anthropic"].Kind != "anthropic" {
		t.Errorf("upstreams %+v", st.Upstreams)
	}
	keys := map[string]bool{}
	for _, br := range st.Breakers {
		keys[br.Model] = true
	}
	if !keys[sonnet] || !keys[sonnet+"@anthropic-b"] {
		t.Errorf("breakers %+v: want %s and %s@anthropic-b", st.Breakers, sonnet, sonnet)
	}
	if strings.Contains(string(body), "sk-second-key") {
		t.Error("status shows the second key")
	}
}

func TestADeploymentThatCannotTakeTheRequestIsSkippedAndSaidOnce(t *testing.T) {
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": sim.AWSAccessKeyID, "AWS_SECRET_ACCESS_KEY": sim.AWSSecretAccessKey,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"} {
		t.Setenv(k, v)
	}
	s, up := startSim(t, sim.Rule{Upstream: "anthropic", Model: sonnet, Status: 529})
	g := startGateway(t, up,
		gateway.WithUpstreams(map[string]config.Upstream{"bedrock-us": {Kind: provider.Bedrock, BaseURL: up + "/bedrock-us",
			Region: "us-east-1", Models: map[string]string{sonnet: "us.anthropic." + sonnet}}}),
		gateway.WithTiers(map[string][]config.Tier{"default": {{Model: sonnet, Via: []string{"anthropic", "bedrock-us"}}, {Model: haiku}, {Model: "static"}}}))

	plain := messagesBody(sonnet, "hello", false)
	if resp, body := call(t, "POST", g.url+"/v1/messages", plain); resp.Header.Get("bulwark-upstream") != "bedrock-us" {
		t.Fatalf("a plain request: %d from %q: %s", resp.StatusCode, resp.Header.Get("bulwark-upstream"), body)
	}
	withMCP := strings.Replace(plain, `{"model"`, `{"mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"x"}],"model"`, 1)
	for range 2 {
		resp, body := call(t, "POST", g.url+"/v1/messages", withMCP, "anthropic-beta", "mcp-client-2025-04-04")
		if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != haiku || resp.Header.Get("bulwark-upstream") != "anthropic" {
			t.Fatalf("a request Bedrock cannot take: %d, %q from %q: %s", resp.StatusCode,
				resp.Header.Get("bulwark-model-used"), resp.Header.Get("bulwark-upstream"), body)
		}
	}
	if n := s.Stats().Upstreams["bedrock-us"].Requests; n != 1 {
		t.Errorf("Bedrock got %d requests, want only the plain one", n)
	}
	if got := g.logs.lines("upstream.unsupported"); len(got) != 1 || got[0]["upstream"] != "bedrock-us" {
		t.Errorf("upstream.unsupported lines %v, want one for bedrock-us", got)
	}
}

// TestHeadroomSteersAroundAKeyThatIsRunningOut: the first key allows 3
// requests a minute. Ordered, the fourth request meets its 429 and moves
// on; balanced by headroom, the gateway reads the rate-limit headers and
// sends requests where there is room, so the first key never answers 429.
func TestHeadroomSteersAroundAKeyThatIsRunningOut(t *testing.T) {
	for _, balance := range []string{config.BalanceOrdered, config.BalanceHeadroom} {
		t.Run(balance, func(t *testing.T) {
			a, aURL, stop, err := sim.Start(sim.WithSeed(1), sim.WithRPM(sonnet, 3))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(stop)
			_, bURL := startSim(t)
			t.Setenv("TEST_KEY_B", "sk-second-key-0123456789")
			g := startGateway(t, aURL,
				gateway.WithUpstreams(map[string]config.Upstream{"anthropic-b": {Kind: provider.Anthropic, BaseURL: bURL, APIKeyEnv: "TEST_KEY_B"}}),
				gateway.WithTiers(map[string][]config.Tier{"default": {
					{Model: sonnet, Via: []string{"anthropic", "anthropic-b"}, Balance: balance}, {Model: "static"}}}))
			for i := range 8 {
				resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hello", false))
				if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != sonnet {
					t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
				}
			}
			limited := a.Stats().Models[sonnet].Outcomes["rate_limited"]
			switch {
			case balance == config.BalanceOrdered && limited == 0:
				t.Fatal("ordered: the first key never answered 429; the test shows nothing")
			case balance == config.BalanceHeadroom && limited != 0:
				t.Errorf("headroom: the first key answered %d 429s; steering should have avoided them", limited)
			}
		})
	}
}
