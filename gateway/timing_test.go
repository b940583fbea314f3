package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// startShipped serves a gateway with the shipped configuration (c, from
// config.Default(), with whatever the caller changed) in front of upstream.
func startShipped(t *testing.T, upstream string, c config.Config) *gw {
	t.Helper()
	logs, log := newLogs()
	return httptestGateway(t, logs, gateway.WithConfig(c), gateway.WithUpstream(upstream), gateway.WithAPIKey("sk-upstream-test"),
		gateway.WithEngine(gateway.NewEngine(c, log, nil, nil)), gateway.WithLogger(log))
}

// answeredBy checks a whole or streamed answer and names its model.
func answeredBy(t *testing.T, resp *http.Response, b []byte, stream bool) string {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if stream {
		if streamText(t, parseEvents(t, b)) == "" {
			t.Fatalf("no text in %s", b)
		}
	} else if messageText(t, b) == "" {
		t.Fatalf("no text in %s", b)
	}
	return resp.Header.Get("bulwark-model-used")
}

// DESIGN §3 / issue 11: with the shipped defaults (25 s deadline, 20 s
// attempts) a blip on the primary is retried on the primary instead of
// going straight to the fallback.
func TestThePrimaryIsRetriedWithTheShippedDefaults(t *testing.T) {
	tests := []struct {
		name    string
		rule    sim.Rule
		stream  bool
		atLeast time.Duration
	}{
		{"429 retry-after 1 on its first call", sim.Rule{Status: 429, RetryAfter: sim.Duration(time.Second)}, false, time.Second},
		{"a single 529", sim.Rule{Status: 529}, false, 0},
		{"a single 529 on a stream", sim.Rule{Status: 529}, true, 0},
		{"a single reset", sim.Rule{Reset: true}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rule := tt.rule
			rule.Model, rule.Every = sonnet, 2 // the first call fails, the next does not
			s, up := startSim(t, rule)
			g := startShipped(t, up, config.Default())
			start := time.Now()
			resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", tt.stream))
			took := time.Since(start)
			if model := answeredBy(t, resp, b, tt.stream); model != sonnet {
				t.Fatalf("answered by %q, want the primary on its retry", model)
			}
			if requests(s, sonnet) != 2 || requests(s, haiku) != 0 {
				t.Fatalf("upstream calls: primary %d, fallback %d; want 2 and 0", requests(s, sonnet), requests(s, haiku))
			}
			if took < tt.atLeast || took > 3*time.Second {
				t.Fatalf("took %v, want at least %v (and a backoff of at most 1 s)", took, tt.atLeast)
			}
		})
	}
}

// A hung primary is cut so that the fallback keeps its 8 s default reserve.
// The deadline is shortened to 10.5 s (the attempt timeout stays the shipped
// 20 s): only the reserve can cut the primary, at about 2.5 s.
func TestAHungPrimaryIsCutInTimeForTheFallbackWithTheShippedReserve(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole", true: "stream"}[stream], func(t *testing.T) {
			t.Parallel()
			s, up := startSim(t, sim.Rule{Model: sonnet, Hang: true})
			c := config.Default()
			p := c.Profiles[config.ProfileInteractive]
			p.Deadline = config.Duration(10500 * time.Millisecond)
			c.Profiles[config.ProfileInteractive] = p
			g := startShipped(t, up, c)
			start := time.Now()
			resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", stream))
			took := time.Since(start)
			if model := answeredBy(t, resp, b, stream); model != haiku {
				t.Fatalf("answered by %q, want the fallback", model)
			}
			if requests(s, sonnet) != 1 {
				t.Fatalf("primary called %d times, want 1", requests(s, sonnet))
			}
			if took < 2400*time.Millisecond || took > 3500*time.Millisecond {
				t.Fatalf("took %v, want about 2.5 s: the 10.5 s deadline less the fallback's 8 s", took)
			}
		})
	}
}
