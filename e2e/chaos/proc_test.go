package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

// Models of the gateway's default chain.
const (
	primary  = "claude-sonnet-5-5"
	fallback = "claude-haiku-5-5"
)

// Timing of the short interactive profile every process test runs with.
const (
	deadline     = time.Second
	attemptLimit = 300 * time.Millisecond
	// slack is how late after its deadline an answer may start (DESIGN §1:
	// within 50 ms of the bound).
	slack = 50 * time.Millisecond
)

// gatewayConfig is the YAML config of the gateway processes: a deadline of
// 1 s, 300 ms per attempt, 200 ms to the first token and between events,
// and a breaker that reopens quickly so that scenarios see every state.
const gatewayConfig = `
chains:
  default: [claude-sonnet-5-5, claude-haiku-5-5, static]
profiles:
  interactive: {attempts: 2, backoff: {initial: 10ms, max: 40ms}, deadline: 1s, attempt_timeout: 300ms,
                first_token_timeout: 200ms, idle_timeout: 200ms}
breaker: {failures: 5, window: 10s, open_for: 300ms, half_open_probes: 1}
`

// noBreakerConfig is gatewayConfig with breakers that never open, so that
// every request goes through its retries and its fallback: the slowest
// path, the one the deadline bound must hold on.
const noBreakerConfig = `
chains:
  default: [claude-sonnet-5-5, claude-haiku-5-5, static]
profiles:
  interactive: {attempts: 2, backoff: {initial: 10ms, max: 40ms}, deadline: 1s, attempt_timeout: 300ms,
                first_token_timeout: 200ms, idle_timeout: 200ms}
breaker: {failures: 100000, window: 1s}
retry_budget: {ratio: 1, min_per_second: 1000}
`

// proc is one running bulwark process.
type proc = proctest.Proc

// startProc runs bulwark with args and env and returns once it printed its
// address (proctest.Start).
func startProc(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	return proctest.Start(t, binary, name, env, args...)
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startSimProc runs `bulwark sim` with a fixed seed and a token delay of
// 1 ms (streams take a realistic few tens of ms).
func startSimProc(t testing.TB, seed int64) *proc {
	t.Helper()
	return startProc(t, "sim", proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0", "--seed", strconv.FormatInt(seed, 10),
		"--token-delay", "1ms")
}

// startGatewayProc runs `bulwark serve` in front of upstream with cfg and
// the environment env (which must hold ANTHROPIC_API_KEY).
func startGatewayProc(t testing.TB, upstream, cfg string, env ...string) *proc {
	t.Helper()
	return startProc(t, "gateway", proctest.CleanEnv(env...), "serve", "--addr", "127.0.0.1:0", "--upstream", upstream,
		"--config", writeFile(t, "bulwark.yaml", cfg), "--log-format", "json")
}

// adminClient talks to the simulator's admin endpoints and the gateway's
// health and metrics endpoints.
var adminClient = &http.Client{Timeout: 5 * time.Second}

// setFaults replaces the simulator's live rules (JSON array) and clears its
// counters.
func setFaults(t testing.TB, simURL, rules string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, simURL+"/_sim/faults", strings.NewReader(`{"rules":`+rules+`}`))
	resp, err := adminClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT /_sim/faults: %d %s", resp.StatusCode, b)
	}
	resp, err = adminClient.Post(simURL+"/_sim/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_sim/reset: %d", resp.StatusCode)
	}
}

func stats(t testing.TB, simURL string) sim.Stats {
	t.Helper()
	resp, err := adminClient.Get(simURL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// get fetches url and returns the status, headers and body.
func get(t testing.TB, url string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// metric reads one unlabelled sample from a Prometheus text exposition.
func metric(exposition []byte, name string) (float64, bool) {
	for _, line := range strings.Split(string(exposition), "\n") {
		rest, ok := strings.CutPrefix(line, name+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		return v, err == nil
	}
	return 0, false
}

// goroutines reads go_goroutines from a gateway process's /metrics.
func goroutines(t testing.TB, gwURL string) int {
	t.Helper()
	v, ok := gauge(t, gwURL, "go_goroutines")
	if !ok {
		t.Fatal("/metrics: no go_goroutines")
	}
	return int(v)
}

// gauge reads the unlabelled sample name from a gateway process's /metrics.
func gauge(t testing.TB, gwURL, name string) (float64, bool) {
	t.Helper()
	status, _, b := get(t, gwURL+"/metrics")
	v, ok := metric(b, name)
	return v, ok && status == 200
}

// eventually polls cond every 10 ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what func() string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("after %v: %s", within, what())
		case <-tick.C:
		}
	}
}

// logLines returns the decoded JSON log lines of p whose msg is msg.
func logLines(p *proc, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(p.Logs(), "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func messageBody(model, prompt string, maxTokens int, stream bool) string {
	return fmt.Sprintf(`{"model":%q,"max_tokens":%d,"stream":%t,"messages":[{"role":"user","content":%q}]}`,
		model, maxTokens, stream, prompt)
}

// clientLag bounds how much later than the gateway's own clock the client
// may see an answer start: on a loaded machine (CI runs packages side by
// side, with -race, on 2 cores) the test process itself can be scheduled
// tens of milliseconds late.
const clientLag = 300 * time.Millisecond

// inTime checks that a started within the deadline and its 50 ms of slack.
// The client's clock decides when it can; when the client saw the answer
// late, by at most clientLag more, the gateway's own log line of the request
// decides (first_byte_ms of a committed stream, else duration_ms).
func inTime(t testing.TB, gw *proc, a *answer) error {
	t.Helper()
	bound := deadline + slack
	switch {
	case a.first <= bound:
		return nil
	case a.first > bound+clientLag:
		return fmt.Errorf("answered after %v, deadline %v", a.first, deadline)
	}
	id := a.header.Get("bulwark-request-id")
	var line map[string]any
	eventually(t, 2*time.Second, func() string { return "no log line for request " + id }, func() bool {
		for _, l := range logLines(gw, "agent.request_complete") {
			if l["request_id"] == id {
				line = l
				return true
			}
		}
		return false
	})
	took, _ := line["duration_ms"].(float64)
	if fb, ok := line["first_byte_ms"].(float64); ok && line["stream_end"] != nil && fb > 0 {
		took = fb
	}
	if time.Duration(took)*time.Millisecond > bound {
		return fmt.Errorf("answered after %v (%v by the gateway's clock), deadline %v", a.first, time.Duration(took)*time.Millisecond, deadline)
	}
	t.Logf("request %s: the client saw its answer after %v, the gateway sent it after %v", id, a.first.Round(time.Millisecond), time.Duration(took)*time.Millisecond)
	return nil
}
