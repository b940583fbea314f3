package deploy

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// grace is how long bulwark lets requests in flight finish after SIGTERM
// (gateway.DefaultGrace), and cut the time its cut streams get to end.
const (
	grace = 10 * time.Second
	cut   = time.Second
)

func TestContainer_FinalStageIsDistrolessNonRootWithTheBinaryAsEntrypoint(t *testing.T) {
	in := instructions(t)
	from := in["FROM"]
	if len(from) != 1 || !strings.HasPrefix(from[0], "gcr.io/distroless/static") || !strings.HasSuffix(from[0], ":nonroot") {
		t.Errorf("final FROM %v, want gcr.io/distroless/static…:nonroot", from)
	}
	if u := in["USER"]; len(u) != 1 || u[0] != "65532:65532" {
		t.Errorf("USER %v, want 65532:65532", u)
	}
	if ep := entrypoint(t); len(ep) < 2 || ep[0] != "/bulwark" || ep[1] != "serve" {
		t.Errorf("ENTRYPOINT %v, want /bulwark serve ...", ep)
	}
	if hc := healthcheck(t); len(hc) < 2 || hc[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK CMD %v, want /bulwark healthcheck ...", hc)
	}
	data, _ := os.ReadFile(dockerfile)
	for _, s := range []string{"CGO_ENABLED=0", "-trimpath"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("the Dockerfile's build has no %s (this test builds with it)", s)
		}
	}
}

func TestContainer_BinaryIsStaticForAnImageWithoutLibc(t *testing.T) {
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): distroless/static has none")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
}

// messageBody is a small Messages API request.
func messageBody(stream bool) string {
	b, _ := json.Marshal(map[string]any{
		"model": "claude-sonnet-5-5", "max_tokens": 64, "stream": stream,
		"messages": []map[string]string{{"role": "user", "content": "hello from the container"}},
	})
	return string(b)
}

func post(t *testing.T, addr, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/messages", strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// withAddr returns the HEALTHCHECK command aimed at addr in place of the
// image's 127.0.0.1:8080.
func withAddr(t *testing.T, argv []string, addr string) []string {
	t.Helper()
	out := slices.Clone(argv)
	i := slices.Index(out, "--addr")
	if i < 0 || i+1 >= len(out) {
		t.Fatalf("HEALTHCHECK %v has no --addr", argv)
	}
	out[i+1] = addr
	return out
}

func TestContainer_EntrypointServesFromAReadOnlyDirAndDrainsOnSIGTERM(t *testing.T) {
	// The chart's default config renders as {}; it is mounted read-only.
	dir := readOnlyDir(t, map[string]string{"bulwark.yaml": "{}\n"})
	argv := append(inImage(t, entrypoint(t)), "--config="+dir+"/bulwark.yaml")
	p := startGateway(t, argv, dir, containerEnv(dir), true)
	if os.Geteuid() == 0 {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil || !regexp.MustCompile(`(?m)^Uid:\s+65532\s`).Match(status) {
			t.Fatalf("the gateway does not run as the image's user 65532 (%v):\n%s", err, status)
		}
	} else {
		t.Logf("not root: running as uid %d, not the image's 65532", os.Geteuid())
	}

	// It serves: ready, the HEALTHCHECK passes, and /v1/messages is
	// answered by the built-in simulator.
	resp, err := http.Get("http://" + p.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct{ Ready bool }
	if body := readAll(t, resp.Body); resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ready) != nil || !ready.Ready {
		t.Fatalf("GET /readyz: %d %s", resp.StatusCode, body)
	}
	resp.Body.Close()
	hc := inImage(t, withAddr(t, healthcheck(t), p.addr))
	if code, out := exitCode(t, hc, dir); code != 0 {
		t.Fatalf("HEALTHCHECK %v: exit %d: %s", hc[1:], code, out)
	}
	resp = post(t, p.addr, messageBody(false))
	var msg struct {
		Content []struct{ Text string } `json:"content"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil || resp.StatusCode != 200 ||
		len(msg.Content) == 0 || !strings.Contains(msg.Content[0].Text, "hello from the container") {
		t.Fatalf("POST /v1/messages: %d %+v (%v)", resp.StatusCode, msg, err)
	}
	resp.Body.Close()

	// A stream that goes silent for 3 s after its second word.
	req, _ := http.NewRequest("PUT", p.simURL+"/_sim/faults",
		strings.NewReader(`{"rules":[{"model":"*","stall_after_tokens":2,"stall":"3s"}]}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("PUT /_sim/faults: %v %v", resp, err)
	}
	stream := post(t, p.addr, messageBody(true))
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("stream: %d %s", stream.StatusCode, readAll(t, stream.Body))
	}
	sse := bufio.NewScanner(stream.Body)
	var events []string
	for sse.Scan() {
		if e, ok := strings.CutPrefix(sse.Text(), "event: "); ok {
			events = append(events, e)
			if e == "content_block_delta" {
				break
			}
		}
	}
	if !slices.Contains(events, "content_block_delta") {
		t.Fatalf("the stream ended before its first delta: %v", events)
	}

	// SIGTERM while the stream is in flight: new connections are refused
	// at once, and so the HEALTHCHECK fails, while the stream carries on.
	term := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var refused time.Time
	for refused.IsZero() && time.Since(term) < 2*time.Second {
		c, err := net.DialTimeout("tcp", p.addr, 100*time.Millisecond)
		if err != nil {
			refused = time.Now()
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if refused.IsZero() {
		t.Fatal("new connections were still accepted 2 s after SIGTERM")
	}
	if code, _ := exitCode(t, hc, dir); code != 1 {
		t.Errorf("HEALTHCHECK while draining: exit %d, want 1", code)
	}

	// The stream in flight ends normally, after the refusals began.
	for sse.Scan() {
		if e, ok := strings.CutPrefix(sse.Text(), "event: "); ok {
			events = append(events, e)
		}
	}
	finished := time.Now()
	if err := sse.Err(); err != nil {
		t.Fatalf("reading the stream: %v (events %v)", err, events)
	}
	if slices.Contains(events, "error") || events[len(events)-1] != "message_stop" {
		t.Fatalf("the stream in flight did not end with message_stop: %v", events)
	}
	if !finished.After(refused) {
		t.Errorf("the stream finished %v after SIGTERM, before new connections were refused (%v): it was not in flight",
			finished.Sub(term), refused.Sub(term))
	}

	// The process exits 0 within its grace.
	select {
	case <-p.done:
	case <-time.After(grace + cut + 2*time.Second):
		t.Fatalf("the gateway did not exit within %v of SIGTERM", grace+cut+2*time.Second)
	}
	if p.err != nil {
		t.Fatalf("the gateway exited with %v, want 0", p.err)
	}
	if took := time.Since(term); took > grace {
		t.Errorf("it took %v to exit: the stream should have ended well within the grace", took)
	}
	logs := p.logs()
	if !strings.Contains(logs, "gateway.shutdown") || strings.Contains(logs, "gateway.shutdown_cut") {
		t.Errorf("want a graceful gateway.shutdown and no cut in the log:\n%s", logs)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the read-only working folder holds %v (%v), want only bulwark.yaml", entries, err)
	}
}
