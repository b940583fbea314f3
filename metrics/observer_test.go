package metrics

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestAttemptedCountsByStatusClass(t *testing.T) {
	tests := []struct {
		name   string
		status int
		class  taxonomy.Class
		want   string
	}{
		{"200", 200, taxonomy.Success, "2xx"},
		{"400", 400, taxonomy.BadRequest, "4xx"},
		{"401", 401, taxonomy.Auth, "4xx"},
		{"404", 404, taxonomy.NotFound, "4xx"},
		{"409", 409, taxonomy.Conflict, "4xx"},
		{"429", 429, taxonomy.RateLimited, "429"},
		{"500", 500, taxonomy.ServerError, "5xx"},
		{"503", 503, taxonomy.ServerError, "5xx"},
		{"529", 529, taxonomy.Overloaded, "529"},
		{"SSE overloaded_error after a 200", 200, taxonomy.Overloaded, "529"},
		{"connection reset", 0, taxonomy.Network, "network"},
		{"attempt timeout", 0, taxonomy.Timeout, "timeout"},
		{"caller cancelled", 0, taxonomy.Canceled, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t)
			d := taxonomy.Classify(taxonomy.Result{Status: tt.status}, t0)
			d.Class = tt.class
			m.Attempted("claude-sonnet-5-5", tt.status, d, time.Second)
			if got := val(t, m, "bulwark_upstream_attempts_total", "model", "claude-sonnet-5-5", "status_class", tt.want); got != 1 {
				t.Errorf("attempts{status_class=%s} = %v, want 1", tt.want, got)
			}
		})
	}
}

func TestAttemptedCountsPagesAsMisconfigOnce(t *testing.T) {
	tests := []struct {
		name   string
		result taxonomy.Result
		class  string
		page   bool
	}{
		{"bad key", taxonomy.Result{Status: 401}, "auth", true},
		{"no permission", taxonomy.Result{Status: 403}, "auth", true},
		{"retired model", taxonomy.Result{Status: 404}, "not_found", true},
		{"credit balance", taxonomy.Result{Status: 400, Message: "Your credit balance is too low"}, "credit", true},
		{"bad request is not a page", taxonomy.Result{Status: 400}, "bad_request", false},
		{"overload is not a page", taxonomy.Result{Status: 529}, "overloaded", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t)
			d := taxonomy.Classify(tt.result, t0)
			m.Attempted("claude-sonnet-4-5", tt.result.Status, d, time.Millisecond)
			got := 0.0
			if has(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-4-5", "class", tt.class) {
				got = val(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-4-5", "class", tt.class)
			}
			want := 0.0
			if tt.page {
				want = 1
			}
			if got != want {
				t.Errorf("misconfig_total{class=%s} = %v, want %v", tt.class, got, want)
			}
			inc := m.Status().Incidents
			if tt.page != (len(inc) == 1 && inc[0].Kind == KindMisconfig && inc[0].Model == "claude-sonnet-4-5") {
				t.Errorf("incidents = %+v, want one misconfig incident: %v", inc, tt.page)
			}
		})
	}
}

func TestMisconfigSeriesOfPageClassesExistFromTheStart(t *testing.T) {
	m, _ := newTest(t, WithModels("claude-sonnet-5-5"))
	for _, class := range []string{"auth", "credit", "not_found"} {
		if got := val(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-5-5", "class", class); got != 0 {
			t.Errorf("misconfig{%s} = %v at start, want 0", class, got)
		}
	}
	if got := val(t, m, "bulwark_breaker_state", "model", "claude-sonnet-5-5"); got != 0 {
		t.Errorf("breaker_state at start = %v, want 0 (closed)", got)
	}
}

func TestRetriedSkippedFellBack(t *testing.T) {
	m, _ := newTest(t, WithModels("s", "h", "o"))
	m.Retried("s", taxonomy.Overloaded)
	m.Retried("s", taxonomy.Overloaded)
	m.Retried("s", taxonomy.RateLimited)
	m.Retried("s", taxonomy.Class(200))
	m.Skipped("s", breaker.SkipOpen)
	m.Skipped("s", breaker.SkipCooldown)
	m.Skipped("s", breaker.SkipCooldown)
	m.FellBack("s", "h")
	m.FellBack("s", "h")
	m.FellBack("h", "o")

	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"bulwark_retries_total", []string{"model", "s", "reason", "overloaded"}, 2},
		{"bulwark_retries_total", []string{"model", "s", "reason", "rate_limited"}, 1},
		{"bulwark_retries_total", []string{"model", "s", "reason", "unknown"}, 1},
		{"bulwark_tier_skips_total", []string{"model", "s", "reason", "open"}, 1},
		{"bulwark_tier_skips_total", []string{"model", "s", "reason", "cooldown"}, 2},
		{"bulwark_fallbacks_total", []string{"from", "s", "to", "h"}, 2},
		{"bulwark_fallbacks_total", []string{"from", "h", "to", "o"}, 1},
	} {
		if got := val(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
