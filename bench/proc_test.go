package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gone reports whether no process pid exists any more (it was reaped).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestLauncherStartsAChildAndStopsItWithNothingLeft(t *testing.T) {
	l := testLauncher(t)
	p, err := l.Start(context.Background(), "sim", SimArgs(0)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || p.PID() <= 0 {
		t.Fatalf("URL %q pid %d", p.URL, p.PID())
	}
	resp, err := http.Get(p.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /v1/models: %d", resp.StatusCode)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done is not closed after Stop")
	}
	if !gone(p.PID()) {
		t.Errorf("process %d is still there after Stop", p.PID())
	}
	if _, err := os.Stat(p.LogPath); err != nil {
		t.Errorf("no log file: %v", err)
	}
}

func TestLauncherFailsAndCleansUpWhenAChildDoesNotSayWhereItListens(t *testing.T) {
	l := testLauncher(t)
	l.StartTimeout = 300 * time.Millisecond
	for _, role := range []string{"bad-line", "silent", "no-such-role"} {
		_, err := l.Start(context.Background(), role, role)
		if err == nil {
			t.Errorf("%s: Start succeeded", role)
			continue
		}
		t.Logf("%s: %v", role, err)
	}
	if len(l.procs) != 0 {
		t.Errorf("%d failed children are kept", len(l.procs))
	}
	if _, err := (&Launcher{Exe: "/nonexistent/bulwark"}).Start(context.Background(), "x"); err == nil {
		t.Error("a missing executable started")
	}
}

func TestLauncherKillsAChildThatIgnoresSIGTERM(t *testing.T) {
	l := testLauncher(t)
	l.StopGrace = 200 * time.Millisecond
	p, err := l.Start(context.Background(), "stubborn", "stubborn")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let it ignore SIGTERM first
	err = l.StopAll()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("StopAll: %v, want a kill reported", err)
	}
	if !gone(p.PID()) {
		t.Errorf("process %d survived", p.PID())
	}
}

func TestLauncherStopsAChildWhenTheContextEnds(t *testing.T) {
	l := testLauncher(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Start(ctx, "silent", "silent"); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a done context: %v", err)
	}
}

func TestChildEnvDropsTheAnthropicCredentials(t *testing.T) {
	got := childEnv([]string{"A=1", "ANTHROPIC_API_KEY=sk", "ANTHROPIC_BASE_URL=http://x", "ANTHROPIC_VERSION=v"}, []string{"B=2"})
	if strings.Join(got, " ") != "A=1 ANTHROPIC_VERSION=v B=2" {
		t.Errorf("childEnv = %v", got)
	}
}

func TestParseStatusReadsRSSAndHWM(t *testing.T) {
	m, err := parseStatus([]byte("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t   1024 kB\nThreads:\t4\n"))
	if err != nil || m.RSS != 1<<20 || m.HWM != 2<<20 {
		t.Errorf("%+v %v", m, err)
	}
	if _, err := parseStatus([]byte("VmRSS:\t12 MB\nVmHWM:\t1 kB\n")); err == nil {
		t.Error("a line in MB was accepted")
	}
	if _, err := parseStatus([]byte("Name:\tx\n")); err == nil {
		t.Error("a status without VmRSS was accepted")
	}
	if m, err := ReadMemory(os.Getpid()); err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("own memory %+v %v", m, err)
	}
}

func TestRaiseFileLimitNeverLowersNorPassesTheHardLimit(t *testing.T) {
	soft, hard, err := RaiseFileLimit(0)
	if err != nil || soft == 0 || soft > hard {
		t.Fatalf("soft %d hard %d err %v", soft, hard, err)
	}
	soft2, hard2, err := RaiseFileLimit(hard + 1_000_000)
	if err != nil || soft2 != hard || hard2 != hard {
		t.Errorf("asking above the hard limit: soft %d hard %d err %v, want soft = hard = %d", soft2, hard2, err, hard)
	}
}

// TestStopIsPromptThoughTheLoadTransportHoldsAConnectionItNeverUsed pins
// the cause of a flaky overhead run: the load generator's transport keeps a
// connection it dialed for a request that was meanwhile served by another
// (or cancelled) — Go's dial outlives the request — and a server's graceful
// shutdown waits up to 5 s for such a connection, which it counts as about
// to carry its first request. Stop must not leave one behind.
func TestStopIsPromptThoughTheLoadTransportHoldsAConnectionItNeverUsed(t *testing.T) {
	l := testLauncher(t)
	p, err := l.Start(context.Background(), "proxy", ProxyArgs("http://127.0.0.1:1")...)
	if err != nil {
		t.Fatal(err)
	}
	unusedConn(t, sharedTransport(), p.URL)
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v", d)
	}
}

// unusedConn leaves in tr's idle pool a connection to url that never carried
// a request: the request that dialed it is cancelled once the TCP connection
// is made, before it is handed over.
func unusedConn(t *testing.T, tr *http.Transport, url string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	connected := make(chan struct{})
	trace := &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil {
			cancel()
			<-returned // the request gave up on this connection
			close(connected)
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url+"/never", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = false
	_, err = tr.RoundTrip(req)
	close(returned)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip: %v, want it cancelled", err)
	}
	<-connected
}
