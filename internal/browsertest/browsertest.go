// Package browsertest finds what the end-to-end browser tests need —
// node, Debian's Chromium and playwright-core — or skips the test with a
// clear message saying what is missing.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
