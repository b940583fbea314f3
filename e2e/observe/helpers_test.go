package observe_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/sim"
)

// binary is the bulwark command, built once by TestMain.
var binary string

func TestMain(m *testing.M) { proctest.Main(m, &binary) }

// Models of the tests' chains.
const (
	primary  = "claude-sonnet-5-5" // default chain, tier 1
	fallback = "claude-haiku-5-5"  // default chain, tier 2
	unpriced = "claude-opus-5-5"   // a chain of its own; no price in the config
	gone     = "claude-gone-9"     // a chain of its own; the simulator answers 404
	locked   = "claude-locked-9"   // a chain of its own; the simulator answers 401
)

// Prices of the config, USD per million tokens.
var prices = map[string]struct{ in, out, cacheWrite, cacheRead float64 }{
	primary:  {3, 15, 3.75, 0.3},
	fallback: {1, 5, 1.25, 0.1},
}

// config is the gateway's YAML config: short timeouts, a breaker that opens
// after 3 failures, prices for the default chain's models only, and a
// per-user breaker and retry budget loose enough that they never get in
// the way of the counts.
const config = `
chains:
  default: [claude-sonnet-5-5, claude-haiku-5-5]
  claude-opus-5-5: [claude-opus-5-5]
  claude-gone-9: [claude-gone-9]
  claude-locked-9: [claude-locked-9]
profiles:
  interactive: {attempts: 2, deadline: 2s, attempt_timeout: 500ms, backoff: {initial: 10ms, max: 20ms}}
breaker: {failures: 3, window: 10s, open_for: 30s}
user_breaker: {failures: 1000, window: 60s}
retry_budget: {ratio: 1, min_per_second: 1000}
prices:
  claude-sonnet-5-5: {input: 3, output: 15, cache_write: 3.75, cache_read: 0.3}
  claude-haiku-5-5: {input: 1, output: 5, cache_write: 1.25, cache_read: 0.1}
`

// proc is one running bulwark process (sim or serve).
type proc = proctest.Proc

// start runs `bulwark args...` and waits for its address (proctest.Start).
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return proctest.Start(t, binary, name, proctest.CleanEnv("ANTHROPIC_API_KEY=sk-e2e-observe"), args...)
}

// startPair runs `bulwark sim` (seeded) and `bulwark serve` with config
// against it.
func startPair(t *testing.T) (simP, gw *proc) {
	t.Helper()
	simP = start(t, "sim", "sim", "--addr", "127.0.0.1:0", "--seed", "42")
	path := filepath.Join(t.TempDir(), "bulwark.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	gw = start(t, "serve", "serve", "--addr", "127.0.0.1:0", "--upstream", simP.URL, "--config", path, "--log-format", "json")
	return simP, gw
}

var client = &http.Client{Timeout: 10 * time.Second}

// rule is a simulator fault rule.
type rule = sim.Rule

// setFaults replaces the simulator's rules.
func setFaults(t *testing.T, simP *proc, rules ...rule) { proctest.SetFaults(t, simP.URL, rules...) }

func getSimStats(t *testing.T, simP *proc) sim.Stats {
	t.Helper()
	var st sim.Stats
	getJSON(t, simP.URL+"/_sim/stats", &st)
	return st
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decoding: %v", url, err)
	}
}

// usage is the usage object of a message.
type usage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

func (u usage) total() int64 {
	return u.InputTokens + u.OutputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
}

// answer is one gateway response, read whole, with what the client can tell
// from it.
type answer struct {
	model, user string // asked for
	stream      bool
	status      int
	header      http.Header
	body        string

	modelUsed string
	fallback  bool
	attempts  int
	usage     usage
	hasUsage  bool
	complete  bool // a stream that ended with message_stop
}

func (a *answer) String() string {
	return fmt.Sprintf("%s stream=%v -> %d used=%q fallback=%v attempts=%d usage=%+v %.200s", a.model, a.stream,
		a.status, a.modelUsed, a.fallback, a.attempts, a.usage, strings.TrimSpace(a.body))
}

// send posts a Messages request for model to the gateway, as user (in
// metadata.user_id), streamed or not, and reads the answer and its usage:
// the body's usage, or for a stream message_start's usage with
// message_delta's output_tokens, as the API defines them.
func send(t *testing.T, gw *proc, model, user string, stream bool) *answer {
	t.Helper()
	body := fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":%v,"metadata":{"user_id":%q},`+
		`"messages":[{"role":"user","content":"Say something about observability, please."}]}`, model, stream, user)
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /v1/messages: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	a := &answer{model: model, user: user, stream: stream, status: resp.StatusCode, header: resp.Header, body: string(b),
		modelUsed: resp.Header.Get("bulwark-model-used"), fallback: resp.Header.Get("bulwark-fallback") == "true"}
	fmt.Sscan(resp.Header.Get("bulwark-attempts"), &a.attempts)
	if a.status != http.StatusOK {
		return a
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		var msg struct {
			Usage *usage `json:"usage"`
		}
		if err := json.Unmarshal(b, &msg); err != nil || msg.Usage == nil {
			t.Fatalf("answer without usage: %v %s", err, b)
		}
		a.usage, a.hasUsage = *msg.Usage, true
		return a
	}
	for _, ev := range strings.Split(string(b), "\n\n") {
		var name, data string
		for _, line := range strings.Split(ev, "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = v
			}
		}
		switch name {
		case "message_start":
			var d struct {
				Message struct {
					Usage usage `json:"usage"`
				} `json:"message"`
			}
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				t.Fatalf("message_start %q: %v", data, err)
			}
			a.usage, a.hasUsage = d.Message.Usage, true
		case "message_delta":
			var d struct {
				Usage usage `json:"usage"`
			}
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				t.Fatalf("message_delta %q: %v", data, err)
			}
			a.usage.OutputTokens = d.Usage.OutputTokens
		case "message_stop":
			a.complete = true
		}
	}
	return a
}

// families is a scrape of /metrics, parsed, with the raw text.
type families struct {
	raw string
	m   map[string]*dto.MetricFamily
}

func scrape(t *testing.T, gw *proc) families {
	t.Helper()
	resp, err := client.Get(gw.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	m, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, b)
	}
	return families{raw: string(b), m: m}
}

// has reports whether the family name was exported.
func (f families) has(name string) bool { _, ok := f.m[name]; return ok }

// series returns the metrics of family name whose labels include want
// (name, value pairs).
func (f families) series(name string, want ...string) []*dto.Metric {
	var out []*dto.Metric
	fam := f.m[name]
	if fam == nil {
		return nil
	}
next:
	for _, m := range fam.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			if label(m, want[i]) != want[i+1] {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// sum adds up the values (counter, gauge, or histogram sample count) of the
// series of family name whose labels include want.
func (f families) sum(name string, want ...string) float64 {
	var v float64
	for _, m := range f.series(name, want...) {
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		}
	}
	return v
}

// byLabel sums family name by the value of label key.
func (f families) byLabel(name, key string, want ...string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range f.series(name, want...) {
		switch {
		case m.Counter != nil:
			out[label(m, key)] += m.Counter.GetValue()
		case m.Gauge != nil:
			out[label(m, key)] += m.Gauge.GetValue()
		}
	}
	return out
}

func label(m *dto.Metric, key string) string {
	for _, l := range m.Label {
		if l.GetName() == key {
			return l.GetValue()
		}
	}
	return ""
}

// near reports whether a and b agree to 1e-9 relative (sums of float costs).
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// status is the part of GET /v1/status the tests read.
type status struct {
	Requests map[string]int64 `json:"requests"`
	Rates    map[string]struct {
		Seconds       int64   `json:"seconds"`
		Requests      int64   `json:"requests"`
		Fallbacks     int64   `json:"fallbacks"`
		Errors        int64   `json:"errors"`
		Static        int64   `json:"static"`
		FallbackRatio float64 `json:"fallback_ratio"`
	} `json:"rates"`
	Series    []struct{ Requests int64 } `json:"series"`
	Incidents []struct {
		Kind, Model, Detail string
		Count               int
	} `json:"incidents"`
	Spend struct {
		TotalUSD      float64  `json:"total_usd"`
		DiscardedUSD  *float64 `json:"discarded_usd"`
		UnknownTokens int64    `json:"unknown_tokens"`
		Models        []struct {
			Model         string   `json:"model"`
			Priced        bool     `json:"priced"`
			USD           *float64 `json:"usd"`
			UnknownTokens int64    `json:"unknown_tokens"`
			InputTokens   int64    `json:"input_tokens"`
			OutputTokens  int64    `json:"output_tokens"`
		} `json:"models"`
		Users []struct {
			User          string  `json:"user"`
			USD           float64 `json:"usd"`
			UnknownTokens int64   `json:"unknown_tokens"`
			Requests      int64   `json:"requests"`
		} `json:"users"`
	} `json:"spend"`
	Breakers []struct {
		Model          string `json:"model"`
		State          string `json:"state"`
		OpenLeftMS     int64  `json:"open_left_ms"`
		CooldownLeftMS int64  `json:"cooldown_left_ms"`
		Failures       int    `json:"failures"`
	} `json:"breakers"`
	Store *struct {
		Backend string `json:"backend"`
		OK      bool   `json:"ok"`
	} `json:"store"`
}

func getStatus(t *testing.T, gw *proc) status {
	t.Helper()
	var st status
	getJSON(t, gw.URL+"/v1/status", &st)
	return st
}

// breakerState returns model's breaker state in /v1/status ("" if absent).
func (s status) breakerState(model string) string {
	for _, b := range s.Breakers {
		if b.Model == model {
			return b.State
		}
	}
	return ""
}
