package shared_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

// binary is the bulwark command, built once by TestMain.
var binary string

func TestMain(m *testing.M) { proctest.Main(m, &binary) }

// Timing of the waits for convergence: poll every pollEvery, give up after
// the deadline the caller names.
const pollEvery = 25 * time.Millisecond

// fastProfile keeps a request short: one attempt per tier, 500 ms each, 2 s
// in all.
const fastProfile = `
profiles:
  interactive: {attempts: 1, deadline: 2s, attempt_timeout: 500ms, backoff: {initial: 10ms, max: 50ms}}
`

// Models of the default chain and one the simulator is told to reject.
const (
	primary  = "claude-sonnet-5-5"
	fallback = "claude-haiku-5-5"
	opus     = "claude-opus-5-5"    // chained to fallback where a config says so
	badModel = "claude-bad-request" // the simulator answers it 400 (rejectRule)
)

// rejectRule makes every request for badModel fail with 400
// invalid_request_error: a request-caused failure, counted against the user.
var rejectRule = sim.Rule{Model: badModel, Status: http.StatusBadRequest}

// replica is one running `bulwark serve` process.
type replica = proctest.Proc

// startGateway runs `bulwark serve` against upstream with the YAML config
// cfg and, when redisURL is not empty, --redis redisURL. It returns once the
// process printed its address; the process is killed when the test ends
// (and its log printed if the test failed).
func startGateway(t *testing.T, name, upstream, cfg, redisURL string) *replica {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--upstream", upstream, "--config", path, "--log-format", "json"}
	if redisURL != "" {
		args = append(args, "--redis", redisURL)
	}
	return proctest.Start(t, binary, name, proctest.CleanEnv("ANTHROPIC_API_KEY=sk-e2e-upstream"), args...)
}

// startSim serves a simulator on a loopback port for the test.
func startSim(t *testing.T, rules ...sim.Rule) (*sim.Server, string) {
	t.Helper()
	s, url, stop, err := sim.Start(sim.WithSeed(7), sim.WithRules(rules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, url
}

// calls returns how many requests for model the simulator has received.
func calls(s *sim.Server, model string) int64 { return s.Stats().Models[model].Requests }

var client = &http.Client{Timeout: 10 * time.Second}

// answer is a gateway's response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) String() string {
	return fmt.Sprintf("%d model-used=%q fallback=%q degraded=%q retry-after=%q %s", a.status,
		a.header.Get("bulwark-model-used"), a.header.Get("bulwark-fallback"), a.header.Get("bulwark-degraded"),
		a.header.Get("retry-after"), strings.TrimSpace(a.body))
}

// message is a Messages API request body for model; user, when not empty,
// goes in metadata.user_id.
func message(model, user, prompt string) string {
	meta := ""
	if user != "" {
		meta = fmt.Sprintf(`,"metadata":{"user_id":%q}`, user)
	}
	return fmt.Sprintf(`{"model":%q,"max_tokens":64,"messages":[{"role":"user","content":%q}]%s}`, model, prompt, meta)
}

// post sends a Messages API request to g; headers are name, value pairs.
func post(t *testing.T, g *replica, body string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/v1/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s/v1/messages: %v", g.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer of %s: %v", g.Name, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// getJSON decodes the JSON answer of GET g.URL+path into v.
func getJSON(t *testing.T, g *replica, path string, v any) {
	t.Helper()
	resp, err := client.Get(g.URL + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", g.Name, path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s%s: decoding: %v", g.Name, path, err)
	}
}

// readiness is the body of GET /readyz.
type readiness struct {
	Ready bool          `json:"ready"`
	Store *store.Health `json:"store"`
}

// storeHealth returns the store's health as /readyz reports it.
func storeHealth(t *testing.T, g *replica) store.Health {
	t.Helper()
	var rd readiness
	getJSON(t, g, "/readyz", &rd)
	if !rd.Ready {
		t.Fatalf("%s: /readyz says not ready: %+v", g.Name, rd)
	}
	if rd.Store == nil {
		t.Fatalf("%s: /readyz has no store", g.Name)
	}
	return *rd.Store
}

// statusStoreHealth returns the store's health as /v1/status reports it.
func statusStoreHealth(t *testing.T, g *replica) store.Health {
	t.Helper()
	var st struct {
		Store *store.Health `json:"store"`
	}
	getJSON(t, g, "/v1/status", &st)
	if st.Store == nil {
		t.Fatalf("%s: /v1/status has no store", g.Name)
	}
	return *st.Store
}

// breakerState returns the state of model's breaker as /v1/status reports
// it ("closed" when the gateway has none for it yet).
func breakerState(t *testing.T, g *replica, model string) string {
	t.Helper()
	var st struct {
		Breakers []struct {
			Model string `json:"model"`
			State string `json:"state"`
		} `json:"breakers"`
	}
	getJSON(t, g, "/v1/status", &st)
	for _, b := range st.Breakers {
		if b.Model == model {
			return b.State
		}
	}
	return "closed"
}

// waitFor polls cond every pollEvery until it holds, and fails the test if it
// does not within limit. It returns how long it took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(pollEvery)
	}
}

// waitHealth waits until every gateway's store reports ok.
func waitHealth(t *testing.T, limit time.Duration, ok bool, gs ...*replica) {
	t.Helper()
	for _, g := range gs {
		waitFor(t, limit, fmt.Sprintf("%s store ok=%v", g.Name, ok), func() bool {
			return storeHealth(t, g).OK == ok
		})
	}
}

// mustSucceed checks that a answered 200.
func mustSucceed(t *testing.T, g *replica, a answer) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s answered %v, want 200", g.Name, a)
	}
}

// mustBeCutOff checks that a is the per-user breaker's answer: 429
// rate_limit_error with retry-after.
func mustBeCutOff(t *testing.T, g *replica, a answer) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.header.Get("retry-after") == "" ||
		!strings.Contains(a.body, `"rate_limit_error"`) {
		t.Fatalf("%s answered %v, want 429 rate_limit_error with retry-after", g.Name, a)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
