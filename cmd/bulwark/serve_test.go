package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// binary is the bulwark command built once for the process-level tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "bulwark")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building bulwark:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	// In-process commands (sim, demo) must leave no goroutine behind; the
	// default client's idle keep-alive connections are the tests' own.
	http.DefaultClient.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// proc is a running bulwark process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	done chan error

	mu    sync.Mutex
	lines []string // stdout lines after the first
	errb  strings.Builder
}

// Write collects the process's stderr.
func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errb.Write(b)
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errb.String()
}

func (p *proc) stdout() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// startProc runs bulwark with args and env, waits for its "listening on"
// first line and returns. The process is killed when the test ends.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	cmd.Stderr = p
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s stderr:\n%s", args[0], p.stderr())
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	select {
	case first, ok := <-lines:
		u, found := strings.CutPrefix(first, "listening on ")
		if !ok || !found || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("first stdout line %q, want \"listening on http://127.0.0.1:PORT\"", first)
		}
		p.url = u
	case <-time.After(10 * time.Second):
		t.Fatalf("%v printed nothing", args)
	}
	go func() {
		for l := range lines {
			p.mu.Lock()
			p.lines = append(p.lines, l)
			p.mu.Unlock()
		}
	}()
	return p
}

// cleanEnv is the environment without Anthropic credentials or base URL.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANTHROPIC_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
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
	sim := startProc(t, cleanEnv(), "sim", "--addr", "127.0.0.1:0", "--faults", faults, "--seed", "3")
	cfg := writeFile(t, "bulwark.yaml", fastConfig)
	gw := startProc(t, cleanEnv("ANTHROPIC_API_KEY=sk-test-upstream"), "serve", "--addr", "127.0.0.1:0",
		"--upstream", sim.url, "--config", cfg, "--log-format", "json")

	resp, body := postMessages(t, gw.url, helloBody)
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != "claude-haiku-5-5" ||
		resp.Header.Get("bulwark-fallback") != "true" || resp.Header.Get("bulwark-attempts") != "3" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	r, err := http.Get(sim.url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var stats struct {
		Models map[string]struct {
			Requests int64
			Outcomes map[string]int64
		}
	}
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
	logs := gw.stderr()
	if !strings.Contains(logs, resp.Header.Get("bulwark-request-id")) || strings.Contains(logs, "sk-test-upstream") {
		t.Errorf("logs:\n%s", logs)
	}
}

func waitLog(t *testing.T, p *proc, s string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.stderr(), s) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line with %s", s)
}

func TestServeStartsTheSimulatorWhenThereIsNoKeyAndNoUpstream(t *testing.T) {
	gw := startProc(t, cleanEnv(), "serve", "--addr", "127.0.0.1:0", "--log-format", "text")
	resp, body := postMessages(t, gw.url, helloBody)
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != "claude-sonnet-5-5" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	waitLog(t, gw, "agent.request_complete")
	if lines := gw.stdout(); len(lines) == 0 || !strings.Contains(lines[0], "simulator") {
		t.Fatalf("stdout after the first line: %q", lines)
	}
}

func TestServeFinishesAnInFlightStreamOnSIGTERM(t *testing.T) {
	sim := startProc(t, cleanEnv(), "sim", "--addr", "127.0.0.1:0", "--token-delay", "15ms")
	gw := startProc(t, cleanEnv("ANTHROPIC_API_KEY=k"), "serve", "--addr", "127.0.0.1:0", "--upstream", sim.url)
	req, _ := http.NewRequest("POST", gw.url+"/v1/messages",
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
	if err := gw.cmd.Process.Signal(syscall.SIGTERM); err != nil {
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
	case err := <-gw.done:
		gw.done <- err // for the cleanup
		if err != nil {
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
	if got := getStatus(t, gw.url+"/healthz", ""); got != 200 {
		t.Fatalf("healthz: %d", got)
	}
	if r, b := postMessages(t, gw.url, helloBody); r.StatusCode != 200 {
		t.Fatalf("messages: %d %s", r.StatusCode, b)
	}
}

func TestServeGuardsMetricsStatusAndTheDashboardWithTheConfiguredKeys(t *testing.T) {
	cfg := writeFile(t, "keys.yaml", "clients: [{key_env: BW_TEST_CLIENT_KEY, user: web}]\nadmin_key_env: BW_TEST_ADMIN_KEY\n")
	gw := startProc(t, cleanEnv("BW_TEST_CLIENT_KEY=client-key-9", "BW_TEST_ADMIN_KEY=admin-key-9"),
		"serve", "--config", cfg, "--addr", "127.0.0.1:0")
	for _, path := range []string{"/metrics", "/v1/status", "/"} {
		if got := getStatus(t, gw.url+path, ""); got != 401 {
			t.Errorf("%s without a key: %d", path, got)
		}
		for _, key := range []string{"client-key-9", "admin-key-9"} {
			if got := getStatus(t, gw.url+path, key); got != 200 {
				t.Errorf("%s with %s: %d", path, key, got)
			}
		}
	}
	if strings.Contains(gw.stderr(), "key-9") {
		t.Errorf("a key was logged:\n%s", gw.stderr())
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
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Env = cleanEnv()
		err := cmd.Run()
		cancel()
		var ee *exec.ExitError
		if !errorsAs(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: %v, want exit status 2", args, err)
		}
	}
	cfg := writeFile(t, "bad.yaml", "profiles:\n  interactive: {attempts: 0}\nbogus: 1\n")
	out, err := exec.Command(binary, "serve", "--config", cfg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bogus") {
		t.Errorf("bad config: %v\n%s", err, out)
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}
