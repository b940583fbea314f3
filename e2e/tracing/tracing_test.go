package tracing_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

const (
	primary  = "claude-sonnet-5-5" // the default chain's first tier
	fallback = "claude-haiku-5-5"  // its second
)

// config gives the interactive profile 2 attempts per tier with short
// backoffs, and a breaker and budget that stay out of the way.
const config = `
chains:
  default: [claude-sonnet-5-5, claude-haiku-5-5]
profiles:
  interactive: {attempts: 2, deadline: 5s, attempt_timeout: 2s, backoff: {initial: 10ms, max: 20ms}}
breaker: {failures: 100, window: 10s, open_for: 30s}
retry_budget: {ratio: 1, min_per_second: 1000}
`

// OTLP span kinds and status codes, as the receiver writes them.
const (
	kindServer  = 2
	kindClient  = 3
	statusError = 2
)

var client = &http.Client{Timeout: 10 * time.Second}

// gateway is a running `bulwark serve` on its embedded simulator.
type gateway struct {
	*proctest.Proc
	simURL string
}

// startGateway runs `bulwark serve` with no key and no upstream (so on
// its embedded simulator), config plus extraConfig, and env.
func startGateway(t *testing.T, extraConfig string, env ...string) *gateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bulwark.yaml")
	if err := os.WriteFile(path, []byte(config+extraConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	var clean []string
	for _, kv := range proctest.CleanEnv() {
		if !strings.HasPrefix(kv, "OTEL_") {
			clean = append(clean, kv)
		}
	}
	// Batches go out every 50 ms instead of every 5 s.
	clean = append(clean, append([]string{"OTEL_BSP_SCHEDULE_DELAY=50"}, env...)...)
	p := proctest.Start(t, binary, "serve", clean, "serve", "--addr", "127.0.0.1:0", "--config", path)
	g := &gateway{Proc: p}
	// The line after "listening on" says where the simulator is.
	for deadline := time.Now().Add(5 * time.Second); g.simURL == ""; time.Sleep(10 * time.Millisecond) {
		for _, line := range p.Stdout() {
			if _, rest, ok := strings.Cut(line, "started the built-in simulator at "); ok {
				g.simURL, _, _ = strings.Cut(rest, " ")
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where its simulator is: %q", p.Stdout())
		}
	}
	return g
}

// setFaults replaces the embedded simulator's fault rules.
func (g *gateway) setFaults(t *testing.T, rules ...sim.Rule) {
	proctest.SetFaults(t, g.simURL, rules...)
}

// newTraceparent returns a sampled W3C traceparent of a new trace, with
// its trace id and parent span id in hex.
func newTraceparent() (header, traceID, parentID string) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	traceID, parentID = hex.EncodeToString(b[:16]), hex.EncodeToString(b[16:])
	return "00-" + traceID + "-" + parentID + "-01", traceID, parentID
}

// send posts a Messages request for primary with traceparent and reads
// the answer whole.
func (g *gateway) send(t *testing.T, traceparent string, stream bool) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":%v,"messages":[{"role":"user","content":"Trace me, please."}]}`,
		primary, stream)
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	req.Header.Set("Traceparent", traceparent)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /v1/messages: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// split returns the request's server span and its attempts' client spans
// in start order, failing unless every span is one of those.
func split(t *testing.T, spans []span) (request span, attempts []span) {
	t.Helper()
	var requests []span
	for _, s := range spans {
		switch s.Kind {
		case kindServer:
			requests = append(requests, s)
		case kindClient:
			attempts = append(attempts, s)
		default:
			t.Fatalf("span %q has kind %d, want server or client", s.Name, s.Kind)
		}
	}
	if len(requests) != 1 {
		t.Fatalf("%d server spans, want the request's only: %+v", len(requests), requests)
	}
	slices.SortFunc(attempts, func(a, b span) int { return int(a.Start - b.Start) })
	return requests[0], attempts
}

// want checks that s carries every attribute of attrs with its value.
func want(t *testing.T, s span, attrs map[string]any) {
	t.Helper()
	for k, v := range attrs {
		got, ok := s.Attrs[k]
		if !ok {
			t.Errorf("span %q (%s) has no %s; it has %v", s.Name, s.SpanID, k, s.Attrs)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("span %q (%s): %s = %v, want %v", s.Name, s.SpanID, k, got, v)
		}
	}
}

// positive checks that s's attributes keys are positive integers.
func positive(t *testing.T, s span, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if n, ok := s.Attrs[k].(int64); !ok || n <= 0 {
			t.Errorf("span %q (%s): %s = %v, want a positive count", s.Name, s.SpanID, k, s.Attrs[k])
		}
	}
}

func TestARequestContinuesItsTraceparentWithASpanPerAttemptAsItsChildren(t *testing.T) {
	rcv := otlpReceiver(t)
	g := startGateway(t, "", "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.URL, "OTEL_SERVICE_NAME=bulwark-e2e")
	// The primary's first call is overloaded; its retry answers.
	g.setFaults(t, sim.Rule{Model: primary, Status: 529, Every: 2})
	tp, traceID, parentID := newTraceparent()
	if status, body := g.send(t, tp, false); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	req, attempts := split(t, rcv.waitSpans(t, traceID, 3))
	if req.ParentSpanID != parentID || req.Name != "chat "+primary {
		t.Fatalf("request span %q has parent %q, want \"chat %s\" under the traceparent's span %s", req.Name, req.ParentSpanID, primary, parentID)
	}
	if got := req.Resource["service.name"]; got != "bulwark-e2e" {
		t.Errorf("service.name = %v, want OTEL_SERVICE_NAME's bulwark-e2e", got)
	}
	want(t, req, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": primary, "gen_ai.request.max_tokens": 64,
		"gen_ai.response.model": primary, "gen_ai.provider.name": "anthropic", "http.response.status_code": 200,
		"bulwark.endpoint": "messages", "bulwark.outcome": "answered", "bulwark.attempts": 2, "bulwark.fallback": false,
	})
	if len(attempts) != 2 {
		t.Fatalf("%d attempt spans, want 2 (the overloaded call and its retry): %+v", len(attempts), attempts)
	}
	for i, a := range attempts {
		if a.ParentSpanID != req.SpanID || a.Name != "chat "+primary {
			t.Errorf("attempt %d: span %q under %q, want \"chat %s\" under the request's span %s", i+1, a.Name, a.ParentSpanID, primary, req.SpanID)
		}
		if a.Attrs["server.address"] != "127.0.0.1" {
			t.Errorf("attempt %d: server.address = %v, want the simulator's 127.0.0.1", i+1, a.Attrs["server.address"])
		}
		want(t, a, map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": primary,
			"gen_ai.request.max_tokens": 64, "bulwark.upstream": "anthropic", "bulwark.attempt": i + 1, "bulwark.retry": i,
			"bulwark.hedge": false,
		})
	}
	failed, answered := attempts[0], attempts[1]
	want(t, failed, map[string]any{"error.type": "overloaded_error", "bulwark.status": 529, "bulwark.class": "overloaded",
		"http.response.status_code": 529, "bulwark.waited_ms": 0})
	if failed.StatusCode != statusError {
		t.Errorf("the overloaded attempt's status code is %d, want error", failed.StatusCode)
	}
	want(t, answered, map[string]any{"bulwark.status": 200, "bulwark.class": "success", "gen_ai.response.model": primary,
		"gen_ai.response.finish_reasons": []any{"end_turn"}})
	if id, _ := answered.Attrs["gen_ai.response.id"].(string); !strings.HasPrefix(id, "msg_") {
		t.Errorf("gen_ai.response.id = %q, want the message's id", id)
	}
	if _, ok := answered.Attrs["error.type"]; ok || answered.StatusCode == statusError {
		t.Errorf("the answering attempt has error.type %v, status %d", answered.Attrs["error.type"], answered.StatusCode)
	}
	positive(t, answered, "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
	positive(t, req, "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
	if answered.Start < failed.End {
		t.Errorf("the retry started before the failed attempt ended")
	}
}

func TestAStreamedFallbacksAttemptSpanLastsToTheEndOfTheStream(t *testing.T) {
	rcv := otlpReceiver(t)
	g := startGateway(t, "", "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.URL)
	g.setFaults(t, sim.Rule{Model: primary, Status: 529})
	tp, traceID, _ := newTraceparent()
	status, body := g.send(t, tp, true)
	if status != http.StatusOK || !strings.Contains(body, "event: message_stop") {
		t.Fatalf("status %d, want a complete stream: %s", status, body)
	}
	req, attempts := split(t, rcv.waitSpans(t, traceID, 4))
	if len(attempts) != 3 {
		t.Fatalf("%d attempt spans, want 3 (two overloaded on %s, the fallback on %s)", len(attempts), primary, fallback)
	}
	want(t, req, map[string]any{"bulwark.fallback": true, "gen_ai.response.model": fallback, "bulwark.stream_end": "complete",
		"bulwark.attempts": 3})
	for _, a := range attempts[:2] {
		want(t, a, map[string]any{"gen_ai.request.model": primary, "error.type": "overloaded_error", "gen_ai.request.stream": true})
	}
	fb := attempts[2]
	if fb.ParentSpanID != req.SpanID || fb.Name != "chat "+fallback {
		t.Fatalf("fallback span %q under %q, want \"chat %s\" under the request's %s", fb.Name, fb.ParentSpanID, fallback, req.SpanID)
	}
	want(t, fb, map[string]any{"gen_ai.request.model": fallback, "gen_ai.response.model": fallback, "bulwark.fallback_from": primary,
		"bulwark.class": "success", "gen_ai.request.stream": true, "bulwark.tier": 1,
		// Only in message_delta, after the commit point: the span ended with the stream.
		"gen_ai.response.finish_reasons": []any{"end_turn"}})
	positive(t, fb, "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
}

func TestTheConfigsTracingKeysWinOverTheOTELVariables(t *testing.T) {
	rcv := otlpReceiver(t)
	// The variable points at a port where nothing listens.
	g := startGateway(t, "tracing: {endpoint: \""+rcv.URL+"\", service_name: bulwark-from-config}\n",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1", "OTEL_SERVICE_NAME=bulwark-from-env")
	tp, traceID, parentID := newTraceparent()
	if status, body := g.send(t, tp, false); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	req, attempts := split(t, rcv.waitSpans(t, traceID, 2))
	if req.ParentSpanID != parentID || len(attempts) != 1 || attempts[0].ParentSpanID != req.SpanID {
		t.Fatalf("request span under %q with %d attempts, want one attempt under it, under %s", req.ParentSpanID, len(attempts), parentID)
	}
	if got := req.Resource["service.name"]; got != "bulwark-from-config" {
		t.Errorf("service.name = %v, want tracing.service_name's", got)
	}
}

func TestSpansGoOverOTLPGRPCWhenTheProtocolSaysSo(t *testing.T) {
	rcv := otlpReceiver(t)
	g := startGateway(t, "", "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.GRPC, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc")
	tp, traceID, parentID := newTraceparent()
	if status, body := g.send(t, tp, false); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	req, attempts := split(t, rcv.waitSpans(t, traceID, 2))
	if req.ParentSpanID != parentID || len(attempts) != 1 || attempts[0].ParentSpanID != req.SpanID {
		t.Fatalf("request span under %q with %d attempts, want one attempt under it, under %s", req.ParentSpanID, len(attempts), parentID)
	}
	want(t, attempts[0], map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": primary, "bulwark.class": "success"})
}
