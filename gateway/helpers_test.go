package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/sse"
)

const (
	sonnet = "claude-sonnet-5-5"
	haiku  = "claude-haiku-5-5"
)

// fastProfile is the interactive profile with test timings: tens of ms.
func fastProfile() engine.Profile {
	return engine.Profile{
		Name:              "interactive",
		Attempts:          2,
		Backoff:           backoff.Policy{Initial: time.Millisecond, Max: 5 * time.Millisecond},
		Deadline:          5 * time.Second,
		AttemptTimeout:    2 * time.Second,
		FirstTokenTimeout: time.Second,
		IdleTimeout:       time.Second,
	}
}

// startSim serves a simulator on loopback with the given rules.
func startSim(t *testing.T, rules ...sim.Rule) (*sim.Server, string) {
	t.Helper()
	s, url, stop, err := sim.Start(sim.WithSeed(7), sim.WithRules(rules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, url
}

// testEngine has a retry budget no test exhausts.
func testEngine(log *slog.Logger) *engine.Engine {
	return engine.New(engine.WithLogger(log), engine.WithBudget(budget.New(1, 1000)),
		engine.WithBreakers(breaker.New(breaker.Settings{Failures: 50})))
}

// fakeEngine is testEngine on the fake clock fc: its breakers, budget,
// backoff and the gateway's first-token and idle bounds (which run on the
// engine's clock) wait until the test advances fc.
func fakeEngine(fc *clock.Fake, bs breaker.Settings) *engine.Engine {
	return engine.New(engine.WithClock(fc), engine.WithBudget(budget.New(1, 1000, budget.WithClock(fc))),
		engine.WithBreakers(breaker.New(bs, breaker.WithClock(fc))))
}

// newFakeClock returns a fake clock at a fixed instant.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) }

// testDeadline bounds a test on a fake clock: a timer it waits for that never
// comes, or an advance that fires nothing, fails the test then instead of
// hanging it. Ample for the race detector on a busy machine.
const testDeadline = 20 * time.Second

// deadlineCtx returns a context that ends after testDeadline or with the test.
func deadlineCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

// waitForTimers returns once fc has n timers pending, as fc.WaitForTimers
// does, or fails the test when ctx ends first; what says which wait it is.
func waitForTimers(ctx context.Context, t *testing.T, fc *clock.Fake, n int, what string) {
	t.Helper()
	ready := make(chan struct{})
	go func() { fc.WaitForTimers(n); close(ready) }()
	select {
	case <-ready:
	case <-ctx.Done():
		pending := fc.Pending()
		for range n { // wake the waiting goroutine: it must not outlive the test
			fc.NewTimer(time.Hour)
		}
		<-ready
		t.Fatalf("waiting for %s: %d timers pending, want %d (%v)", what, pending, n, ctx.Err())
	}
}

// answer is a whole HTTP answer read by send.
type answer struct {
	resp *http.Response
	body []byte
	err  error
}

// send posts body to url under ctx on a goroutine of its own and returns the
// channel that gets the whole answer once it is read.
func send(ctx context.Context, url, body string) <-chan answer {
	answers := make(chan answer, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
		if err != nil {
			answers <- answer{err: err}
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answers <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answers <- answer{resp, b, err}
	}()
	return answers
}

// await returns the answer send reads, failing the test when it could not be
// read whole or ctx ends first.
func await(ctx context.Context, t *testing.T, answers <-chan answer) (*http.Response, []byte) {
	t.Helper()
	select {
	case a := <-answers:
		if a.err != nil {
			t.Fatalf("the answer: %v", a.err)
		}
		return a.resp, a.body
	case <-ctx.Done():
		t.Fatalf("no answer: %v", ctx.Err())
		return nil, nil
	}
}

// readsPast is an HTTP transport whose response bodies tell, by closing
// asked, when their reader asks for more after it has had every byte up to
// and including marker: the proxy has handled what came before the marker's
// end (it is not a commit point) and waits for what comes next.
type readsPast struct {
	marker []byte
	asked  chan struct{}
	once   sync.Once
}

func newReadsPast(marker string) *readsPast {
	return &readsPast{marker: []byte(marker), asked: make(chan struct{})}
}

func (rp *readsPast) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		resp.Body = &markedBody{ReadCloser: resp.Body, rp: rp}
	}
	return resp, err
}

// markedBody is a response body of a readsPast transport.
type markedBody struct {
	io.ReadCloser
	rp   *readsPast
	seen []byte
	past bool // marker was among the bytes read
}

func (b *markedBody) Read(p []byte) (int, error) {
	if b.past {
		b.rp.once.Do(func() { close(b.rp.asked) })
	}
	n, err := b.ReadCloser.Read(p)
	if !b.past {
		b.seen = append(b.seen, p[:n]...)
		b.past = bytes.Contains(b.seen, b.rp.marker)
	}
	return n, err
}

// emptyToolDelta ends the empty input_json_delta that opens the simulator's
// tool_use streams.
const emptyToolDelta = `"partial_json":""}}` + "\n\n"

// receive returns what comes on c, failing the test when ctx ends first.
func receive[T any](ctx context.Context, t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
		var zero T
		return zero
	}
}

// logBuffer collects the gateway's JSON log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the log lines whose msg is msg, decoded.
func (l *logBuffer) lines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

type gw struct {
	srv  *gateway.Server
	url  string
	logs *logBuffer
	// requests counts the requests the gateway received.
	requests *atomic.Int64
}

// startGateway serves a gateway in front of upstream on loopback, with fast
// profiles and a log buffer. opts come after the defaults.
func startGateway(t *testing.T, upstream string, opts ...gateway.Option) *gw {
	t.Helper()
	logs, log := newLogs()
	all := []gateway.Option{
		gateway.WithUpstream(upstream),
		gateway.WithAPIKey("sk-upstream-test"),
		gateway.WithProfiles(map[string]engine.Profile{"interactive": fastProfile()}),
		gateway.WithEngine(testEngine(log)),
		gateway.WithLogger(log),
	}
	return httptestGateway(t, logs, append(all, opts...)...)
}

// newLogs returns a log buffer and a debug-level JSON logger writing to it.
func newLogs() (*logBuffer, *slog.Logger) {
	logs := &logBuffer{}
	return logs, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// httptestGateway serves a gateway made with opts on an httptest server; its
// logs (in logs) are printed when the test fails.
func httptestGateway(t *testing.T, logs *logBuffer, opts ...gateway.Option) *gw {
	t.Helper()
	srv, err := gateway.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		hs.Close()
		if t.Failed() {
			t.Logf("gateway logs:\n%s", logs.String())
		}
	})
	return &gw{srv: srv, url: hs.URL, logs: logs, requests: &n}
}

// call sends a request and reads the whole answer.
func call(t *testing.T, method, url, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, b
}

func messagesBody(model, prompt string, stream bool) string {
	b, _ := json.Marshal(map[string]any{
		"model": model, "max_tokens": 64, "stream": stream,
		"messages": []map[string]any{{"role": "user", "content": prompt}},
	})
	return string(b)
}

// event is one SSE event of an answer.
type event struct{ name, data string }

func parseEvents(t *testing.T, b []byte) []event {
	t.Helper()
	r := sse.NewReader(bytes.NewReader(b))
	var out []event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("SSE: %v after %d events", err, len(out))
		}
		out = append(out, event{string(ev.Name), string(ev.Data)})
	}
}

// streamText joins the text deltas of a stream.
func streamText(t *testing.T, evs []event) string {
	t.Helper()
	var sb strings.Builder
	for _, ev := range evs {
		if ev.name != "content_block_delta" {
			continue
		}
		var d struct {
			Delta struct{ Type, Text string }
		}
		if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
			t.Fatal(err)
		}
		sb.WriteString(d.Delta.Text)
	}
	return sb.String()
}

// messageText joins the text blocks of a message body.
func messageText(t *testing.T, b []byte) string {
	t.Helper()
	var m struct {
		Content []struct{ Type, Text string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("message %s: %v", b, err)
	}
	var sb strings.Builder
	for _, c := range m.Content {
		sb.WriteString(c.Text)
	}
	return sb.String()
}

// anthropicError decodes an Anthropic-shaped error body, failing the test
// when it is not one.
func anthropicError(t *testing.T, b []byte) (errType, message, requestID string) {
	t.Helper()
	var e struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "error" || e.Error.Type == "" || e.Error.Message == "" {
		t.Fatalf("not an Anthropic error: %s (%v)", b, err)
	}
	return e.Error.Type, e.Error.Message, e.RequestID
}

func requests(s *sim.Server, model string) int64 { return s.Stats().Models[model].Requests }

func totalRequests(s *sim.Server) int64 { return s.Stats().Requests }

// waitFor polls cond every 5 ms until it holds or 2 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
