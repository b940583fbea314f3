package tracing_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// collectorRelease is the Collector release testdata/otelcol is built
// from (its go.mod names it, with the v1.71.0 modules that go with it).
const collectorRelease = "v0.165.0"

// receiver is the running OTLP receiver the tests export to.
type receiver struct {
	// URL is its OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT), GRPC
	// its OTLP/gRPC one.
	URL, GRPC string
	// out is the file it appends the spans it receives to.
	out string
	cmd *exec.Cmd
	dir string
}

var shared struct {
	once sync.Once
	r    *receiver
	err  error
}

// otlpReceiver returns the receiver, built and started on the first call
// of the test binary; it skips the test when the receiver cannot be built.
func otlpReceiver(t *testing.T) *receiver {
	t.Helper()
	shared.once.Do(func() {
		var bin string
		if bin, shared.err = buildReceiver(); shared.err == nil {
			shared.r, shared.err = startReceiver(bin)
		}
	})
	if shared.err != nil {
		t.Skipf("no OTLP receiver to test against: %v", shared.err)
	}
	return shared.r
}

// stopReceiver stops the receiver, if one was started.
func stopReceiver() {
	if r := shared.r; r != nil {
		_ = r.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
		os.RemoveAll(r.dir)
	}
}

// buildReceiver builds testdata/otelcol, or finds it already built: the
// binary is kept under the user cache directory, keyed by the Collector
// release and a hash of its sources.
func buildReceiver() (string, error) {
	files := []string{"go.mod", "go.sum", "main.go"}
	h := sha256.New()
	src := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "otelcol", f))
		if err != nil {
			return "", err
		}
		src[f] = b
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "bulwark-e2e", "otelcol-"+collectorRelease+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	bin := filepath.Join(dir, "otelcol-bulwarktest")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	mod, err := os.MkdirTemp("", "otelcol-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(mod)
	for f, b := range src {
		if err := os.WriteFile(filepath.Join(mod, f), b, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := bin + fmt.Sprintf(".%d.tmp", os.Getpid())
	build := exec.Command(goCmd, "build", "-o", tmp, ".")
	build.Dir = mod
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build of the OpenTelemetry Collector %s failed: %w\n%s", collectorRelease, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	// Builds of older sources are of no more use.
	old, _ := filepath.Glob(filepath.Join(cache, "bulwark-e2e", "otelcol-*"))
	for _, o := range old {
		if o != dir {
			os.RemoveAll(o)
		}
	}
	return bin, nil
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// collectorConfig is the Collector's configuration: the OTLP receiver on
// HTTP and gRPC, the jsonl exporter, and none of its own metrics (no
// port of its own to bind).
const collectorConfig = `receivers:
  otlp:
    protocols:
      http: {endpoint: "%s"}
      grpc: {endpoint: "%s"}
exporters:
  jsonl: {path: "%s"}
service:
  telemetry:
    metrics: {level: none}
  pipelines:
    traces: {receivers: [otlp], exporters: [jsonl]}
`

// startReceiver starts the Collector bin on free loopback ports (OTLP/HTTP
// and OTLP/gRPC) and waits (up to 20 s) for its "Everything is ready" log.
func startReceiver(bin string) (*receiver, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	grpcAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "otelcol-")
	if err != nil {
		return nil, err
	}
	r := &receiver{URL: "http://" + addr, GRPC: "http://" + grpcAddr, out: filepath.Join(dir, "spans.jsonl"), dir: dir}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(collectorConfig, addr, grpcAddr, r.out)), 0o644); err != nil {
		return nil, err
	}
	r.cmd = exec.Command(bin, "--config=file:"+cfg)
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan bool, 1)
	var mu sync.Mutex
	var logs bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "Everything is ready") {
				ready <- true
				signalled = true
			}
		}
		if !signalled {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if ok {
			return r, nil
		}
	case <-time.After(20 * time.Second):
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	os.RemoveAll(dir)
	mu.Lock()
	defer mu.Unlock()
	return nil, fmt.Errorf("the Collector did not get ready:\n%s", logs.String())
}

// span is one span as the receiver wrote it (OTLP JSON), with its
// resource's and its own attributes decoded.
type span struct {
	TraceID, SpanID, ParentSpanID string
	Name                          string
	Kind                          int
	StatusCode                    int
	Start, End                    int64 // Unix ns
	Attrs, Resource               map[string]any
}

// otlpValue is an OTLP JSON AnyValue.
type otlpValue struct {
	StringValue *string  `json:"stringValue"`
	IntValue    *string  `json:"intValue"` // int64s are strings in OTLP JSON
	BoolValue   *bool    `json:"boolValue"`
	DoubleValue *float64 `json:"doubleValue"`
	ArrayValue  *struct {
		Values []otlpValue `json:"values"`
	} `json:"arrayValue"`
}

func (v otlpValue) decode() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		var n int64
		fmt.Sscan(*v.IntValue, &n)
		return n
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.ArrayValue != nil:
		var out []any
		for _, e := range v.ArrayValue.Values {
			out = append(out, e.decode())
		}
		return out
	}
	return nil
}

type otlpAttrs []struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

func (a otlpAttrs) decode() map[string]any {
	m := make(map[string]any, len(a))
	for _, kv := range a {
		m[kv.Key] = kv.Value.decode()
	}
	return m
}

// spansOf reads every span of trace traceID the receiver has written.
func (r *receiver) spansOf(traceID string) ([]span, error) {
	f, err := os.Open(r.out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	var spans []span
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var batch struct {
			ResourceSpans []struct {
				Resource struct {
					Attributes otlpAttrs `json:"attributes"`
				} `json:"resource"`
				ScopeSpans []struct {
					Spans []struct {
						TraceID      string    `json:"traceId"`
						SpanID       string    `json:"spanId"`
						ParentSpanID string    `json:"parentSpanId"`
						Name         string    `json:"name"`
						Kind         int       `json:"kind"`
						Start        string    `json:"startTimeUnixNano"`
						End          string    `json:"endTimeUnixNano"`
						Attributes   otlpAttrs `json:"attributes"`
						Status       struct {
							Code int `json:"code"`
						} `json:"status"`
					} `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		}
		if err := json.Unmarshal(sc.Bytes(), &batch); err != nil {
			return nil, fmt.Errorf("the receiver wrote a line that is not OTLP JSON: %w", err)
		}
		for _, rs := range batch.ResourceSpans {
			res := rs.Resource.Attributes.decode()
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if s.TraceID != traceID {
						continue
					}
					sp := span{TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID, Name: s.Name, Kind: s.Kind,
						StatusCode: s.Status.Code, Attrs: s.Attributes.decode(), Resource: res}
					fmt.Sscan(s.Start, &sp.Start)
					fmt.Sscan(s.End, &sp.End)
					spans = append(spans, sp)
				}
			}
		}
	}
	return spans, sc.Err()
}

// waitSpans polls the receiver's file until trace traceID has n spans (up
// to 10 s: the gateway batches spans for OTEL_BSP_SCHEDULE_DELAY).
func (r *receiver) waitSpans(t *testing.T, traceID string, n int) []span {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		spans, err := r.spansOf(traceID)
		if err != nil {
			t.Fatal(err)
		}
		if len(spans) >= n {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver has %d spans of trace %s after 10 s, want %d: %+v", len(spans), traceID, n, spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
