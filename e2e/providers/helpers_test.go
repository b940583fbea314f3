package providers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

var binary string

func TestMain(m *testing.M) { proctest.Main(m, &binary) }

const (
	sonnet = "claude-sonnet-5-5"
	haiku  = "claude-haiku-5-5"
	// primary is the name the default upstream has at the simulator (its
	// base URL is SIM/primary), so that a rule can take it down alone.
	primary = "primary"
)

// kind is one provider kind under test: its upstream entry (YAML, with SIM
// for the simulator's URL and SA for the service-account file) and the
// environment its credentials come from.
type kind struct {
	name, entry string
	env         []string
}

// kinds are the upstreams of DESIGN §13, each named NAME at SIM/NAME.
var kinds = []kind{
	{"anthropic-b", `{kind: anthropic, base_url: SIM/anthropic-b, api_key_env: ANTHROPIC_API_KEY_B}`,
		[]string{"ANTHROPIC_API_KEY_B=sk-ant-e2e-second-key"}},
	{"bedrock-us", `{kind: bedrock, base_url: SIM/bedrock-us, region: us-east-1, models: {claude-sonnet-5-5: us.anthropic.claude-sonnet-5-5}}`, awsEnv},
	{"bedrock-mantle", `{kind: bedrock-mantle, base_url: SIM/bedrock-mantle, region: us-east-1, models: {claude-sonnet-5-5: claude-sonnet-5-5}}`, awsEnv},
	{"aws-platform", `{kind: aws, base_url: SIM/aws-platform, region: us-east-1, workspace_id: wrkspc_e2e}`, awsEnv},
	{"google-cloud", `{kind: google-cloud, base_url: SIM/google-cloud, credentials_file: SA}`, nil},
	{"vertex-us", `{kind: vertex, base_url: SIM/vertex-us, project: ` + sim.GoogleProjectID + `, region: us-east5, credentials_file: SA, models: {claude-sonnet-5-5: claude-sonnet-5-5}}`, nil},
	{"foundry", `{kind: foundry, base_url: SIM/foundry}`, []string{"ANTHROPIC_FOUNDRY_API_KEY=" + sim.FoundryAPIKey}},
}

// awsEnv is the AWS default chain reduced to the simulator's test keys.
var awsEnv = []string{
	"AWS_ACCESS_KEY_ID=" + sim.AWSAccessKeyID, "AWS_SECRET_ACCESS_KEY=" + sim.AWSSecretAccessKey,
	"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
}

// setup is a simulator and a gateway whose default chain tries sonnet on the
// default upstream, then on k, then haiku on the default upstream.
type setup struct {
	sim    *sim.Server
	simURL string
	url    string
	gw     *proctest.Proc
}

func start(t *testing.T, k kind, rules ...sim.Rule) *setup {
	t.Helper()
	return startChain(t, k, []string{k.name}, rules...)
}

// startChain is start with the primary model tried on the default upstream,
// then on each of via in turn; k.entry may hold several upstreams' entries.
func startChain(t *testing.T, k kind, via []string, rules ...sim.Rule) *setup {
	t.Helper()
	s, simURL, stop, err := sim.Start(sim.WithSeed(3), sim.WithRules(rules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	dir := t.TempDir()
	sa := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(sa, get(t, simURL+"/_sim/google/service-account.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	entry := strings.NewReplacer("SIM", simURL, "SA", sa).Replace(k.entry)
	cfg := fmt.Sprintf(`
profiles:
  interactive: {attempts: 1, deadline: 4s, attempt_timeout: 1s, first_token_timeout: 1s, idle_timeout: 500ms, backoff: {initial: 10ms, max: 50ms}}
upstreams:
  %s: %s
chains:
  default:
    - {model: %s, via: [anthropic, %s]}
    - %s
    - static
`, k.name, entry, sonnet, strings.Join(via, ", "), haiku)
	path := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := proctest.CleanEnv(append([]string{"ANTHROPIC_API_KEY=sk-ant-e2e-primary"}, k.env...)...)
	gw := proctest.Start(t, binary, "gateway-"+via[0], env,
		"serve", "--addr", "127.0.0.1:0", "--upstream", simURL+"/"+primary, "--config", path, "--log-format", "json")
	return &setup{sim: s, simURL: simURL, url: gw.URL, gw: gw}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// post sends a Messages request to the gateway and reads the whole answer.
func post(t *testing.T, s *setup, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func request(stream bool) string {
	return fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":%v,"messages":[{"role":"user","content":"Say hello in a few words, please."}]}`, sonnet, stream)
}

// events splits an SSE body into its events' names, in order.
func events(body []byte) []string {
	var names []string
	for _, line := range bytes.Split(body, []byte("\n")) {
		if name, ok := bytes.CutPrefix(line, []byte("event: ")); ok {
			names = append(names, string(name))
		}
	}
	return names
}

// text is the text of a whole answer.
func text(t *testing.T, body []byte) string {
	t.Helper()
	var m struct {
		Content []struct{ Type, Text string }
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer is not a message: %v: %s", err, body)
	}
	var b strings.Builder
	for _, c := range m.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// upstreamCalls is how many requests the simulator took for name.
func upstreamCalls(s *sim.Server, name string) int64 { return s.Stats().Upstreams[name].Requests }

// lastBody is the last request body the simulator's upstream name received.
func lastBody(t *testing.T, s *setup, name string) []byte {
	t.Helper()
	b := s.sim.LastBody(name)
	if b == nil {
		t.Fatalf("upstream %s received no request", name)
	}
	return b
}
