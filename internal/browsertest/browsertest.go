// Package browsertest finds what the end-to-end browser tests need —
// node, Debian's Chromium and playwright-core — or skips the test with a
// clear message saying what is missing.
package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PlaywrightVersion is the playwright-core installed into the user's cache
// when it is not there yet.
const PlaywrightVersion = "1.65.1"

// Env is what a browser test runs with.
type Env struct {
	// Node is the node executable.
	Node string
	// Chromium is the browser: $CHROMIUM, default /usr/bin/chromium.
	Chromium string
	// Playwright is the playwright-core directory, for require().
	Playwright string
}

// Need returns the browser test's Env, or skips the test: under -short, or
// when node, Chromium or playwright-core (and npm to install it) is missing.
func Need(t *testing.T) Env {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	var e Env
	var err error
	if e.Node, err = exec.LookPath("node"); err != nil {
		t.Skip("browser test skipped: node is not installed")
	}
	if e.Chromium = os.Getenv("CHROMIUM"); e.Chromium == "" {
		e.Chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(e.Chromium); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (apt-get install chromium)", e.Chromium)
	}
	e.Playwright = playwright(t)
	return e
}

// playwright returns the directory of playwright-core: $PLAYWRIGHT_CORE if
// set, else the user cache, where it is installed with npm on first use.
func playwright(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("PLAYWRIGHT_CORE"); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("browser test skipped: no cache dir for playwright-core: %v", err)
	}
	root := filepath.Join(cache, "bulwark-e2e")
	dir := filepath.Join(root, "node_modules", "playwright-core")
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		return dir
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("browser test skipped: playwright-core is not installed and npm is missing")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
	// go test runs packages in parallel: a lock keeps two of them from
	// installing into the same directory at once.
	lock, err := os.OpenFile(filepath.Join(root, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Skipf("browser test skipped: locking %s: %v", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		return dir // installed while we waited
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "playwright-core@"+PlaywrightVersion)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("browser test skipped: npm install playwright-core failed: %v\n%s", err, out)
	}
	return dir
}

// Run runs script (JavaScript) with node, args after it and PLAYWRIGHT_CORE
// set, for at most 90 s, and decodes the JSON object of its last stdout line
// into out. It fails the test when node fails or prints no such line.
func (e Env) Run(t *testing.T, script string, out any, args ...string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "script.js")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.Node, append([]string{file}, args...)...)
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_CORE="+e.Playwright)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\nstderr: %s\nstdout: %s", err, stderr.String(), stdout)
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		t.Fatalf("reading the script's report: %v\n%s", err, stdout)
	}
}

// RunInBrowser runs body, JavaScript, inside an async function where
// `browser` is a headless Chromium launched by playwright-core, `args` holds
// args and `out` is an object; out is printed as JSON when body ends (with
// out.error set if it threw), the browser closed, and the JSON decoded into
// out (see Run).
func (e Env) RunInBrowser(t *testing.T, body string, out any, args ...string) {
	t.Helper()
	e.Run(t, browserPrelude+body+browserEpilogue, out, append([]string{e.Chromium}, args...)...)
}

const browserPrelude = `
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
(async () => {
  const [exe, ...args] = process.argv.slice(2);
  const out = {};
  const browser = await chromium.launch({ executablePath: exe, args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'] });
  try {
`

const browserEpilogue = `
  } catch (e) {
    out.error = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})();
`
