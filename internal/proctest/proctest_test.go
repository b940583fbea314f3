package proctest_test

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
)

var bin string

func TestMain(m *testing.M) { proctest.Main(m, &bin) }

func TestStartWaitsForTheAddressAndKeepsStderr(t *testing.T) {
	p := proctest.Start(t, bin, "sim", proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", p.URL)
	}
	resp, err := http.Get(p.URL + "/_sim/stats")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET stats: %v %v", resp, err)
	}
	resp.Body.Close()
	// The child writes its stderr line around the time of its stdout one;
	// the copy of stderr runs apart from the stdout reader, so wait for it
	// (bounded) rather than race it.
	for end := time.Now().Add(5 * time.Second); p.Logs() == ""; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("stderr was not kept")
		}
	}
}

func TestCleanEnvDropsAnthropicVariables(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-secret")
	env := proctest.CleanEnv("X=1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "ANTHROPIC_") {
			t.Fatalf("kept %q", kv)
		}
	}
	if env[len(env)-1] != "X=1" || len(env) < len(os.Environ())-1 {
		t.Fatalf("extra not appended or other variables lost: %d of %d", len(env), len(os.Environ()))
	}
}

func TestStartKeepsTheLaterStdoutLinesAndTheExitStatus(t *testing.T) {
	// With no key and no upstream, serve's second line says it started the
	// simulator; SIGTERM ends it with status 0.
	p := proctest.Start(t, bin, "serve", proctest.CleanEnv(), "serve", "--addr", "127.0.0.1:0")
	deadline := time.Now().Add(5 * time.Second)
	for len(p.Stdout()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if lines := p.Stdout(); len(lines) == 0 || !strings.Contains(lines[0], "simulator") {
		t.Fatalf("stdout after the first line: %q", lines)
	}
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if err := p.Err(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

func TestExitReturnsTheOutputAndTheExitCode(t *testing.T) {
	out, code := proctest.Exit(t, bin, proctest.CleanEnv(), "serve", "--no-such-flag")
	if code != 2 || !strings.Contains(out, "no-such-flag") {
		t.Fatalf("code %d, output:\n%s", code, out)
	}
}
