package proctest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Build builds cmd/bulwark into dir and returns the binary's path. It runs
// from the module root, found with `go env GOMOD`.
func Build(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	bin := filepath.Join(dir, "bulwark")
	build := exec.Command("go", "build", "-o", bin, "./cmd/bulwark")
	build.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building bulwark: %w", err)
	}
	return bin, nil
}

// Main builds the binary into a temporary folder, stores its path in *bin,
// runs the tests, removes the folder and exits: call it from TestMain.
func Main(m *testing.M, bin *string) { os.Exit(RunTests(m, bin)) }

// RunTests is [Main] without the exit: it returns the tests' exit code (1 if
// the build failed), for a TestMain that checks more after them, such as
// os.Exit(leakcheck.Check(proctest.RunTests(m, &bin))).
func RunTests(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "bulwark-proctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// exitWithin bounds how long [Exit] waits for a process to end.
const exitWithin = 10 * time.Second

// Exit runs `bin args...` with env to its end (within 10 s) and returns what
// it wrote to stdout and stderr, and its exit code. A process that cannot
// start, takes longer or dies from a signal fails the test.
func Exit(t testing.TB, bin string, env []string, args ...string) (output string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exitWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%v did not exit within %v; output:\n%s", args, exitWithin, out)
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v; output:\n%s", args, err, out)
	}
	return string(out), 0
}

// maxLogged is how much of a failed process's stderr goes to the test log.
const maxLogged = 8 << 10

// Proc is one running bulwark process.
type Proc struct {
	// Name names the process in test logs.
	Name string
	// URL is the base URL it printed, http://HOST:PORT.
	URL string
	// Cmd is the running command (for its PID or to signal it).
	Cmd *exec.Cmd

	done    chan struct{}
	waitErr error // set before done is closed
	mu      sync.Mutex
	log     strings.Builder
	lines   []string // stdout lines after the first
}

// Write collects the process's stderr.
func (p *Proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

// Done is closed once the process has exited and its output is read.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is how the process ended (nil for exit status 0, an *exec.ExitError
// otherwise); call it once Done is closed.
func (p *Proc) Err() error {
	<-p.done
	return p.waitErr
}

// Stdout returns the lines the process wrote to stdout after the first, so
// far.
func (p *Proc) Stdout() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Logs returns what the process wrote to stderr so far.
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Start runs `bin args...` with env, waits (up to 15 s) for its first stdout
// line "listening on http://HOST:PORT" and returns. The process is killed
// when the test ends, and its stderr logged if the test failed.
func Start(t testing.TB, bin, name string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, Cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.Cmd.Env = env
	p.Cmd.Stderr = p
	stdout, err := p.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		p.waitErr = p.Cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.Cmd.Process.Kill()
		<-p.done
		if !t.Failed() {
			return
		}
		logs := p.Logs()
		// BULWARK_TEST_LOGS=DIR keeps the whole stderr of a failed test's
		// processes there, one file each; the test log gets the tail.
		if dir := os.Getenv("BULWARK_TEST_LOGS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name()+"."+p.Name, "/", "_")), []byte(logs), 0o600)
		}
		if len(logs) > maxLogged {
			logs = "...\n" + logs[len(logs)-maxLogged:]
		}
		t.Logf("%s stderr:\n%s", p.Name, logs)
	})
	select {
	case line, ok := <-first:
		u, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found {
			t.Fatalf("%s: first stdout line %q, want \"listening on http://HOST:PORT\"; stderr:\n%s", name, line, p.Logs())
		}
		p.URL = u
	case <-time.After(15 * time.Second):
		t.Fatalf("%s printed nothing in 15 s; stderr:\n%s", name, p.Logs())
	}
	return p
}

// CleanEnv is the environment without Anthropic credentials or base URL,
// plus extra.
func CleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANTHROPIC_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
