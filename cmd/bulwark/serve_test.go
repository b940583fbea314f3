package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

// binary is the bulwark command built once for the process-level tests.
var binary string

// TestMain builds the binary; in-process commands (sim, demo) must leave no
// goroutine behind.
func TestMain(m *testing.M) { os.Exit(leakcheck.Check(proctest.RunTests(m, &binary))) }

// proc is a running bulwark process.
type proc = proctest.Proc

// startProc runs bulwark with args and env, waits for its "listening on
// http://127.0.0.1:PORT" first line and returns. The process is killed when
// the test ends.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := proctest.Start(t, binary, args[0], env, args...)
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("%s listens on %q, want http://127.0.0.1:PORT", args[0], p.URL)
	}
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fastConfig keeps retries in tens of milliseconds.
const fastConfig = `
profiles:
  interactive: {attempts: 2, backoff: {initial: 1ms, max: 5ms}, deadline: 5s, attempt_timeout: 2s,
                first_token_timeout: 1s, idle_timeout: 1s}
`

func postMessages(t *testing.T, base, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/messages", strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "sk-client")
	resp, err := http.DefaultClient.Do(req)
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

const helloBody = `{"model":"claude-sonnet-5-5","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}`

func TestServeFallsBackWhileTheSimulatorProcessOverloadsThePrimary(t *testing.T) {
	faults := writeFile(t, "faults.json", `{"rules":[{"model":"claude-sonnet-5-5","status":529}]}`)
	simP := startProc(t, proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0", "--faults", faults, "--seed", "3")
	cfg := writeFile(t, "bulwark.yaml", fastConfig)
	gw := startProc(t, proctest.CleanEnv("ANTHROPIC_API_KEY=sk-test-upstream"), "serve", "--addr", "127.0.0.1:0",
		"--upstream", simP.URL, "--config", cfg, "--log-format", "json")

	resp, body := postMessages(t, gw.URL, helloBody)
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != "claude-haiku-5-5" ||
		resp.Header.Get("bulwark-fallback") != "true" || resp.Header.Get("bulwark-attempts") != "3" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	r, err := http.Get(simP.URL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var stats sim.Stats
	if err := json.NewDecoder(r.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	if s := stats.Models["claude-sonnet-5-5"]; s.Requests != 2 || s.Outcomes["status_529"] != 2 {
		t.Errorf("primary: %+v", s)
	}
	if h := stats.Models["claude-haiku-5-5"]; h.Requests != 1 || h.Outcomes["ok"] != 1 {
		t.Errorf("fallback: %+v", h)
	}
	// The request's log line, with its id; the key appears nowhere.
	waitLog(t, gw, `"msg":"agent.request_complete"`)
	logs := gw.Logs()
	if !strings.Contains(logs, resp.Header.Get("bulwark-request-id")) || strings.Contains(logs, "sk-test-upstream") {
		t.Errorf("logs:\n%s", logs)
	}
}

func waitLog(t *testing.T, p *proc, s string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Logs(), s) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line with %s", s)
}

func TestServeStartsTheSimulatorWhenThereIsNoKeyAndNoUpstream(t *testing.T) {
	gw := startProc(t, proctest.CleanEnv(), "serve", "--addr", "127.0.0.1:0", "--log-format", "text")
	resp, body := postMessages(t, gw.URL, helloBody)
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != "claude-sonnet-5-5" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	waitLog(t, gw, "agent.request_complete")
	if lines := gw.Stdout(); len(lines) == 0 || !strings.Contains(lines[0], "simulator") {
		t.Fatalf("stdout after the first line: %q", lines)
	}
}

func TestServeFinishesAnInFlightStreamOnSIGTERM(t *testing.T) {
	simP := startProc(t, proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0", "--token-delay", "15ms")
	gw := startProc(t, proctest.CleanEnv("ANTHROPIC_API_KEY=k"), "serve", "--addr", "127.0.0.1:0", "--upstream", simP.URL)
	req, _ := http.NewRequest("POST", gw.URL+"/v1/messages",
		strings.NewReader(`{"model":"claude-sonnet-5-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"a long answer"}]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := gw.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("the stream was cut: %v", err)
	}
	if !strings.Contains(string(rest), "event: message_stop") || strings.Contains(string(rest), "event: error") {
		t.Fatalf("stream tail:\n%s", rest)
	}
	select {
	case <-gw.Done():
		if err := gw.Err(); err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
}

// TestServeStartsWithTheShippedExampleConfigAndNoEnvironment runs
// config/example.yaml as shipped through serve, in an empty environment (no
// key, no client key variable): it must start and answer.
func TestServeStartsWithTheShippedExampleConfigAndNoEnvironment(t *testing.T) {
	gw := startProc(t, []string{}, "serve", "--config", filepath.Join("..", "..", "config", "example.yaml"),
		"--addr", "127.0.0.1:0")
	if got := getStatus(t, gw.URL+"/healthz", ""); got != 200 {
		t.Fatalf("healthz: %d", got)
	}
	if r, b := postMessages(t, gw.URL, helloBody); r.StatusCode != 200 {
		t.Fatalf("messages: %d %s", r.StatusCode, b)
	}
}

func TestServeGuardsMetricsStatusAndTheDashboardWithTheConfiguredKeys(t *testing.T) {
	cfg := writeFile(t, "keys.yaml", "clients: [{key_env: BW_TEST_CLIENT_KEY, user: web}]\nadmin_key_env: BW_TEST_ADMIN_KEY\n")
	gw := startProc(t, proctest.CleanEnv("BW_TEST_CLIENT_KEY=client-key-9", "BW_TEST_ADMIN_KEY=admin-key-9"),
		"serve", "--config", cfg, "--addr", "127.0.0.1:0")
	for _, path := range []string{"/metrics", "/v1/status", "/"} {
		if got := getStatus(t, gw.URL+path, ""); got != 401 {
			t.Errorf("%s without a key: %d", path, got)
		}
		for _, key := range []string{"client-key-9", "admin-key-9"} {
			if got := getStatus(t, gw.URL+path, key); got != 200 {
				t.Errorf("%s with %s: %d", path, key, got)
			}
		}
	}
	if strings.Contains(gw.Logs(), "key-9") {
		t.Errorf("a key was logged:\n%s", gw.Logs())
	}
}

// getStatus GETs url, with key as a bearer token when not "", and returns
// the status.
func getStatus(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"serve", "--log-format", "xml"}, {"serve", "--nope"}, {"serve", "extra"}} {
		if out, code := proctest.Exit(t, binary, proctest.CleanEnv(), args...); code != 2 {
			t.Errorf("%v: exit status %d, want 2; output:\n%s", args, code, out)
		}
	}
	cfg := writeFile(t, "bad.yaml", "profiles:\n  interactive: {attempts: 0}\nbogus: 1\n")
	if out, code := proctest.Exit(t, binary, proctest.CleanEnv(), "serve", "--config", cfg); code == 0 || !strings.Contains(out, "bogus") {
		t.Errorf("bad config: exit status %d\n%s", code, out)
	}
}
