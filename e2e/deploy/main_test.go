package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dockerfile is the container recipe the tests follow, from this folder.
const dockerfile = "../../deploy/container/Dockerfile"

// imageUID is the image's user (distroless nonroot).
const imageUID = 65532

// binary is bulwark built as the Dockerfile builds it, by TestMain, in a
// folder every user can read.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-deploy-bin-")
	if err == nil {
		binary, err = buildStatic(dir)
	}
	code := 1
	if err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildStatic builds cmd/bulwark into dir with the Dockerfile's build
// settings (CGO_ENABLED=0, -trimpath) and makes dir and the binary readable
// and executable by every user, as COPY into the image does.
func buildStatic(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	bin := filepath.Join(dir, "bulwark")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/bulwark")
	build.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building bulwark: %w", err)
	}
	for _, p := range []string{dir, bin} {
		if err := os.Chmod(p, 0o755); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// instructions returns the Dockerfile's instructions of the final stage
// (after its last FROM) with their arguments, continuation lines joined.
func instructions(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	cont := ""
	for _, l := range strings.Split(string(data), "\n") {
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " "), `\`); ok {
			cont += s + " "
			continue
		}
		lines = append(lines, cont+l)
		cont = ""
	}
	final := map[string][]string{}
	for _, l := range lines {
		word, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
		word = strings.ToUpper(word)
		if word == "FROM" {
			final = map[string][]string{}
		}
		final[word] = append(final[word], strings.TrimSpace(rest))
	}
	return final
}

// execForm decodes an instruction's JSON (exec form) argument list.
func execForm(t *testing.T, what, arg string) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(arg), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("%s %q is not in exec form (a JSON array): %v", what, arg, err)
	}
	return argv
}

// entrypoint is the final stage's ENTRYPOINT.
func entrypoint(t *testing.T) []string {
	t.Helper()
	ep := instructions(t)["ENTRYPOINT"]
	if len(ep) != 1 {
		t.Fatalf("the final stage has %d ENTRYPOINTs, want 1", len(ep))
	}
	return execForm(t, "ENTRYPOINT", ep[0])
}

// healthcheck is the final stage's HEALTHCHECK command.
func healthcheck(t *testing.T) []string {
	t.Helper()
	hc := instructions(t)["HEALTHCHECK"]
	if len(hc) != 1 {
		t.Fatalf("the final stage has %d HEALTHCHECKs, want 1", len(hc))
	}
	_, cmd, ok := strings.Cut(hc[0], "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %q has no CMD", hc[0])
	}
	return execForm(t, "HEALTHCHECK CMD", cmd)
}

// inImage maps an image command (argv[0] is /bulwark) to the test binary.
func inImage(t *testing.T, argv []string) []string {
	t.Helper()
	if argv[0] != "/bulwark" {
		t.Fatalf("%v does not run /bulwark", argv)
	}
	return append([]string{binary}, argv[1:]...)
}

// readOnlyDir makes a folder every user can read and none can write,
// holding files (name -> content, each read-only), and removes it when the
// test ends.
func readOnlyDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bulwark-deploy-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	})
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	return dir
}

// asImageUser makes cmd run as the image's user when the tests run as root
// (as CI does), in the read-only folder dir, with env.
func asImageUser(cmd *exec.Cmd, dir string, env []string) {
	cmd.Dir = dir
	cmd.Env = env
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: imageUID, Gid: imageUID}}
	}
}

// containerEnv is a container's environment: no Anthropic variables from
// the test's, HOME and TMPDIR read-only, plus extra.
func containerEnv(dir string, extra ...string) []string {
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir}
	return append(env, extra...)
}

// gatewayProc is a running gateway started as the container starts it.
type gatewayProc struct {
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	simURL string // the built-in simulator's base URL, "" when not started
	done   chan struct{}
	err    error // how it ended, set before done closes

	mu     sync.Mutex
	stderr strings.Builder
}

func (p *gatewayProc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *gatewayProc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// startGateway runs argv (from inImage) in dir with env as the image's
// user, adding --addr 127.0.0.1:0 last (a later --addr wins over the
// ENTRYPOINT's, so parallel tests do not share 8080), and waits for it to
// listen and, with wantSim, to say it started the built-in simulator. It is
// killed when the test ends, and its stderr logged if the test failed.
func startGateway(t *testing.T, argv []string, dir string, env []string, wantSim bool) *gatewayProc {
	t.Helper()
	p := &gatewayProc{done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], append(argv[1:], "--addr", "127.0.0.1:0")...)
	asImageUser(p.cmd, dir, env)
	p.cmd.Stderr = p
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 2)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for n := 0; sc.Scan(); n++ {
			if n < 2 {
				lines <- sc.Text()
			}
		}
		close(lines)
		p.err = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", p.logs())
		}
	})
	timeout := time.After(15 * time.Second)
	for p.addr == "" || (wantSim && p.simURL == "") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the gateway ended before it listened; stderr:\n%s", p.logs())
			}
			if u, ok := strings.CutPrefix(l, "listening on http://"); ok {
				p.addr = u
			} else if _, rest, ok := strings.Cut(l, "started the built-in simulator at "); ok {
				p.simURL, _, _ = strings.Cut(rest, " ")
			} else {
				t.Fatalf("unexpected stdout line %q", l)
			}
		case <-timeout:
			t.Fatalf("the gateway did not start in 15 s; stderr:\n%s", p.logs())
		}
	}
	return p
}

// stop sends SIGTERM and waits up to within for the process to end,
// returning how it ended and how long it took.
func (p *gatewayProc) stop(t *testing.T, within time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return time.Since(start), p.err
	case <-time.After(within):
		t.Fatalf("the gateway did not exit within %v of SIGTERM; stderr:\n%s", within, p.logs())
		return 0, nil
	}
}

// exitCode runs argv as the image's user in dir and returns its exit code.
func exitCode(t *testing.T, argv []string, dir string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	asImageUser(cmd, dir, containerEnv(dir))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("%v: %v\n%s", argv, err, out)
	return -1, ""
}

// readAll reads r to its end, or fails the test.
func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
