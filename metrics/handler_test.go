package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/catalog"
)

func TestHandlerServesPrometheusText(t *testing.T) {
	m := New(WithModels("claude-sonnet-5-5")) // its own registry, with Go and process collectors
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "claude-sonnet-5-5", Usage: catalog.Usage{InputTokens: 3}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{
		`bulwark_requests_total{outcome="answered"} 1`,
		`bulwark_tokens_total{kind="input",model="claude-sonnet-5-5"} 3`,
		`bulwark_cost_unknown_tokens_total{model="claude-sonnet-5-5"} 3`,
		`bulwark_breaker_state{model="claude-sonnet-5-5"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestWithRegistryRegistersThereOnly(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(WithRegistry(reg))
	m.UserCutOff("u")
	fams, _ := reg.Gather()
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	if !names["bulwark_user_cutoffs_total"] || names["go_goroutines"] {
		t.Errorf("families in the given registry: %v", names)
	}
}

func TestWindowIgnoresSecondsOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		end  time.Time
		want int64 // requests in the 5 min window
	}{
		{"now", t0, 1},
		{"zero means now", time.Time{}, 1},
		{"4 min ago", t0.Add(-4 * time.Minute), 1},
		{"6 min ago is dropped", t0.Add(-6 * time.Minute), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, fc := newTest(t)
			fc.Advance(10 * time.Minute) // so that "started" is not the limit
			end := tt.end
			if !end.IsZero() {
				end = end.Add(10 * time.Minute)
			}
			m.Request(RequestInfo{Outcome: OutcomeAnswered}) // fills the current bucket
			m.Request(RequestInfo{Outcome: OutcomeAnswered, End: end})
			got := m.Status().Rates.FiveMinutes.Requests - 1
			if got != tt.want {
				t.Errorf("5m requests = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestConcurrentUse runs every entry point at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	m, fc := newTest(t, WithMaxModels(4), WithMaxUsers(8))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			model := []string{"a", "b", "c", "d", "e", "f"}[g%6]
			for i := range 200 {
				feedEveryEntryPoint(m, fc, Outcome(i%int(nOutcomes)), model, "z", string(rune('a'+i%20)), 10)
				if i%50 == 0 {
					_ = m.Status()
					fc.Advance(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	s := m.Status()
	if got := s.Rates.FiveMinutes.Requests; got != 1600 {
		t.Errorf("5m requests = %d, want 1600", got)
	}
	if len(s.Spend.Models) > 5 { // 4 + other
		t.Errorf("%d models, want at most 5", len(s.Spend.Models))
	}
}
