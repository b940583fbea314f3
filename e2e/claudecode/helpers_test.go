package claudecode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

// Version is the @anthropic-ai/claude-code release the tests run: the
// current npm release when this test was written (its request shapes are
// in sim/testdata).
const Version = "2.1.332"

// binary is the bulwark command, built once by TestMain.
var binary string

// npmDir is the test process's own folder for the CLI, removed at the end.
var npmDir string

func TestMain(m *testing.M) {
	code := proctest.RunTests(m, &binary)
	if npmDir != "" {
		os.RemoveAll(npmDir)
	}
	os.Exit(code)
}

// clientKey is the key Claude Code sends; the simulator takes any key.
const clientKey = "sk-ant-e2e-claude-code-0123456789"

var (
	installOnce sync.Once
	claudeBin   string
	installErr  error
)

// claude returns the path of the Claude Code CLI, installing it with npm
// into the test process's own temp folder on first use; it skips the test
// when node or npm is missing.
func claude(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the Claude Code tests need Node.js and npm (.ci/run has them)", tool)
		}
	}
	installOnce.Do(func() { claudeBin, installErr = install() })
	if installErr != nil {
		t.Fatal(installErr)
	}
	return claudeBin
}

// install puts @anthropic-ai/claude-code@Version (or
// $BULWARK_CLAUDE_CODE_VERSION) into a new temp folder and returns its
// bin/claude. npm's own download cache makes a second install quick.
func install() (string, error) {
	version := Version
	if v := os.Getenv("BULWARK_CLAUDE_CODE_VERSION"); v != "" {
		version = v
	}
	dir, err := os.MkdirTemp("", "bulwark-claude-code-")
	if err != nil {
		return "", err
	}
	npmDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
		"--prefix", dir, "@anthropic-ai/claude-code@"+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install @anthropic-ai/claude-code@%s: %v\n%s", version, err, out)
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "claude")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("npm installed @anthropic-ai/claude-code@%s without bin/claude: %w", version, err)
	}
	return bin, nil
}

// home makes a HOME and a project folder for one Claude Code session, with
// the settings a first run would ask about already answered: onboarding
// done, the client key approved, the project trusted.
func home(t *testing.T) (homeDir, workDir string) {
	t.Helper()
	homeDir = t.TempDir()
	workDir = filepath.Join(homeDir, "project")
	if err := os.Mkdir(workDir, 0o755); err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{
		"hasCompletedOnboarding": true,
		"theme":                  "dark",
		// Claude Code remembers an approved key by its last 20 characters.
		"customApiKeyResponses": map[string]any{"approved": []string{clientKey[len(clientKey)-20:]}, "rejected": []string{}},
		"projects":              map[string]any{workDir: map[string]any{"hasTrustDialogAccepted": true, "allowedTools": []string{}}},
	}
	b, _ := json.Marshal(settings)
	if err := os.WriteFile(filepath.Join(homeDir, ".claude.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return homeDir, workDir
}

// claudeEnv is Claude Code's environment: the gateway as its base URL,
// nothing of the caller's ANTHROPIC_* settings, no traffic but the API's.
func claudeEnv(homeDir, gatewayURL string) []string {
	return proctest.CleanEnv(
		"HOME="+homeDir,
		"ANTHROPIC_BASE_URL="+gatewayURL,
		"ANTHROPIC_API_KEY="+clientKey,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_AUTOUPDATER=1",
	)
}

// serve starts `bulwark serve`: on the embedded simulator when upstream is
// "", else in front of upstream.
func serve(t *testing.T, upstream string) *proctest.Proc {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0"}
	if upstream != "" {
		args = append(args, "--upstream", upstream)
	}
	return proctest.Start(t, binary, "serve", proctest.CleanEnv(), args...)
}

// failingOpus starts `bulwark sim` with Opus, Claude Code's default model,
// answering 529 to every request.
func failingOpus(t *testing.T) *proctest.Proc {
	t.Helper()
	return startSim(t, `{"rules":[{"model":"claude-opus-5-5","status":529}]}`)
}

// startSim starts `bulwark sim` with the fault rules of faults (JSON).
func startSim(t *testing.T, faults string) *proctest.Proc {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(path, []byte(faults), 0o600); err != nil {
		t.Fatal(err)
	}
	return proctest.Start(t, binary, "sim", proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0", "--faults", path)
}

// simStats reads GET /_sim/stats.
func simStats(t *testing.T, p *proctest.Proc) sim.Stats {
	t.Helper()
	res, err := http.Get(p.URL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st sim.Stats
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// answered is the start of the simulator's answer from model to prompt.
func answered(model, prompt string) string {
	return "Simulated answer from " + model + " to \u201c" + prompt + "\u201d"
}

// runPrint runs `claude -p prompt` (tools enabled, as Claude Code ships)
// against the gateway, in a project folder holding files (name: content),
// and returns its output.
func runPrint(t *testing.T, gatewayURL, prompt string, files map[string]string) string {
	t.Helper()
	bin := claude(t)
	homeDir, workDir := home(t)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(workDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-p", prompt)
	cmd.Dir, cmd.Env = workDir, claudeEnv(homeDir, gatewayURL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("claude -p did not finish within 90s; output:\n%s", out.String())
	}
	if err != nil {
		t.Fatalf("claude -p: %v; output:\n%s", err, out.String())
	}
	return strings.TrimSpace(out.String())
}
