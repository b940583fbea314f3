package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultStartTimeout bounds how long a child may take to print its
// "listening on" line: 15 s.
const DefaultStartTimeout = 15 * time.Second

// DefaultStopGrace is how long Stop waits after SIGTERM before SIGKILL: 5 s.
const DefaultStopGrace = 5 * time.Second

// Launcher starts bulwark subcommands (sim, serve, bench proxy) as child
// processes of one executable and stops them all. The zero value runs
// os.Executable() and discards the children's stderr.
type Launcher struct {
	// Exe is the bulwark executable; default os.Executable().
	Exe string
	// Env is added to the children's environment, which is this process's
	// without ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL (the children talk to
	// each other on loopback only).
	Env []string
	// LogDir, when set, receives each child's stderr as NAME.log.
	LogDir string
	// StartTimeout bounds a child's start; default DefaultStartTimeout.
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before it kills;
	// default DefaultStopGrace.
	StopGrace time.Duration

	mu    sync.Mutex
	procs []*Proc
}

// Proc is a running child that printed "listening on URL".
type Proc struct {
	// Name is the name given to Start (e.g. "sim").
	Name string
	// URL is the base URL the child listens on, "http://127.0.0.1:PORT"
	// (https:// for a simulator serving TLS).
	URL string
	// LogPath is the file holding its stderr, or "".
	LogPath string

	cmd      *exec.Cmd
	grace    time.Duration
	done     chan struct{} // closed when the child has been waited for
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// Start runs the executable with args as the child called name and returns
// once it printed its "listening on http://HOST:PORT" line (its first stdout
// line; https:// when it serves TLS). The child is stopped if it does not within StartTimeout, if ctx is
// done first, and, on Linux, if this process dies.
func (l *Launcher) Start(ctx context.Context, name string, args ...string) (*Proc, error) {
	return l.StartEnv(ctx, name, nil, args...)
}

// StartEnv is Start with env added to this child's environment (after the
// Launcher's Env).
func (l *Launcher) StartEnv(ctx context.Context, name string, env []string, args ...string) (*Proc, error) {
	exe := l.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = childEnv(os.Environ(), append(append([]string(nil), l.Env...), env...))
	cmd.SysProcAttr = childAttr()
	p := &Proc{Name: name, cmd: cmd, grace: l.StopGrace, done: make(chan struct{})}
	if p.grace <= 0 {
		p.grace = DefaultStopGrace
	}
	if l.LogDir != "" {
		p.LogPath = filepath.Join(l.LogDir, name+".log")
		f, err := os.Create(p.LogPath)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		defer f.Close() // the child holds its own descriptor
		cmd.Stderr = f
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	pw.Close()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	first := make(chan string, 1)
	go func() {
		defer pr.Close()
		br := bufio.NewReader(pr)
		line, _ := br.ReadString('\n')
		first <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, br) // until the child exits
	}()
	timeout := l.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line := <-first:
		u, ok := strings.CutPrefix(line, "listening on ")
		if !ok || !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			_ = p.Stop()
			return nil, fmt.Errorf("start %s: first line %q, want \"listening on http(s)://HOST:PORT\"%s", name, line, p.tail())
		}
		p.URL = u
	case <-timer.C:
		_ = p.Stop()
		return nil, fmt.Errorf("start %s: no \"listening on\" line within %v%s", name, timeout, p.tail())
	case <-ctx.Done():
		_ = p.Stop()
		return nil, ctx.Err()
	}
	l.mu.Lock()
	l.procs = append(l.procs, p)
	l.mu.Unlock()
	return p, nil
}

// StopAll stops every child started, the last first, and returns their
// errors joined.
func (l *Launcher) StopAll() error {
	l.mu.Lock()
	procs := l.procs
	l.procs = nil
	l.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		errs = append(errs, procs[i].Stop())
	}
	return errors.Join(errs...)
}

// PID is the child's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed once the child has exited and been waited for.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stop sends the child SIGTERM, waits up to the Launcher's StopGrace (5 s)
// for it to exit, then kills it. It returns an error when the child had to
// be killed or did not exit cleanly. Stop is idempotent.
//
// Before the signal it closes the idle connections of the load generator's
// shared transport. Among them can be connections that never carried a
// request: the transport's dial outlives the request it was for, which may
// meanwhile have been served by another connection, and the connection then
// waits in the pool. A Go server's graceful shutdown counts such a
// connection as about to send its first request and waits up to 5 s for it
// (net/http treats a new connection as idle only after 5 s), so a child
// would miss its grace.
func (p *Proc) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			if p.waitErr != nil {
				p.stopErr = fmt.Errorf("%s exited early: %v%s", p.Name, p.waitErr, p.tail())
			}
			return
		default:
		}
		sharedTransport().CloseIdleConnections()
		_ = p.cmd.Process.Signal(terminateSignal)
		t := time.NewTimer(p.grace)
		defer t.Stop()
		select {
		case <-p.done:
			if p.waitErr != nil {
				p.stopErr = fmt.Errorf("%s: %v%s", p.Name, p.waitErr, p.tail())
			}
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.done
			p.stopErr = fmt.Errorf("%s did not stop within %v of SIGTERM and was killed", p.Name, p.grace)
		}
	})
	return p.stopErr
}

// tail returns the end of the child's log, formatted to follow an error.
func (p *Proc) tail() string {
	if p.LogPath == "" {
		return ""
	}
	data, err := os.ReadFile(p.LogPath)
	if err != nil || len(data) == 0 {
		return ""
	}
	data = bytes.TrimSpace(data)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return "\n--- " + p.LogPath + " (tail) ---\n" + string(data)
}

// childEnv is env without the Anthropic credentials and base URL, plus extra.
func childEnv(env, extra []string) []string {
	out := make([]string, 0, len(env)+len(extra))
	for _, kv := range env {
		if strings.HasPrefix(kv, "ANTHROPIC_API_KEY=") || strings.HasPrefix(kv, "ANTHROPIC_BASE_URL=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}
