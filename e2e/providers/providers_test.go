package providers_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/sim"
)

// down takes the default upstream down: every model answers 529 there;
// sonnetDown only the primary model, so that haiku can answer there.
var (
	down       = sim.Rule{Upstream: primary, Model: "*", Status: 529}
	sonnetDown = sim.Rule{Upstream: primary, Model: sonnet, Status: 529}
)

// TestEveryKindServesTheSameModelWhileTheDefaultUpstreamIsDown runs, per
// kind, on one gateway: whole and streamed answers from the kind, the
// request's bytes arriving unchanged, stream exceptions before and after
// the first token, then the kind's own 5xx and 429 moving the request on.
func TestEveryKindServesTheSameModelWhileTheDefaultUpstreamIsDown(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, k, down)
			t.Run("whole", func(t *testing.T) {
				resp, body := post(t, s, request(false))
				wantFrom(t, resp, body, sonnet, k.name)
				if text(t, body) == "" {
					t.Errorf("no text: %s", body)
				}
			})
			t.Run("stream", func(t *testing.T) {
				resp, body := post(t, s, request(true))
				wantFrom(t, resp, body, sonnet, k.name)
				evs := events(body)
				if len(evs) < 4 || evs[0] != "message_start" || evs[len(evs)-1] != "message_stop" || slices.Contains(evs, "error") {
					t.Errorf("events %v", evs)
				}
				if strings.Contains(string(body), "amazon-bedrock") || strings.Contains(string(body), `"bytes"`) {
					t.Errorf("provider framing reached the client: %s", body)
				}
			})
			t.Run("cache_control, thinking and tools arrive byte for byte", func(t *testing.T) {
				resp, body := post(t, s, richRequest)
				wantFrom(t, resp, body, sonnet, k.name)
				got := lastBody(t, s, k.name)
				sent := members(t, []byte(richRequest))
				recv := members(t, got)
				for key, v := range sent {
					if key == "model" || key == "stream" {
						continue
					}
					if string(recv[key]) != string(v) {
						t.Errorf("member %s arrived as\n%s\nsent\n%s", key, recv[key], v)
					}
				}
			})
			t.Run("an exception before the first token falls back unseen", func(t *testing.T) {
				s.sim.SetRules([]sim.Rule{sonnetDown, {Upstream: k.name, Model: "*", StreamError: true, ErrorType: "overloaded_error"}})
				resp, body := post(t, s, request(true))
				wantFrom(t, resp, body, haiku, "anthropic")
				if evs := events(body); slices.Contains(evs, "error") {
					t.Errorf("the exception reached the client: %v", evs)
				}
			})
			t.Run("an exception after the first token ends the stream with an error event", func(t *testing.T) {
				s.sim.SetRules([]sim.Rule{down, {Upstream: k.name, Model: "*", StreamError: true, StreamErrorAfterTokens: 2, ErrorType: "overloaded_error"}})
				resp, body := post(t, s, request(true))
				if resp.StatusCode != http.StatusOK || resp.Header.Get("bulwark-upstream") != k.name {
					t.Fatalf("status %d upstream %q", resp.StatusCode, resp.Header.Get("bulwark-upstream"))
				}
				evs := events(body)
				if len(evs) == 0 || evs[len(evs)-1] != "error" || !slices.Contains(evs, "content_block_delta") {
					t.Errorf("events %v, want deltas then an error event", evs)
				}
			})
			for _, status := range []int{500, 429} {
				t.Run(http.StatusText(status)+" from the provider moves on", func(t *testing.T) {
					// The default upstream answers haiku again: the request moves on to it.
					s.sim.SetRules([]sim.Rule{sonnetDown, {Upstream: k.name, Model: "*", Status: status}})
					before := upstreamCalls(s.sim, k.name)
					resp, body := post(t, s, request(false))
					wantFrom(t, resp, body, haiku, "anthropic")
					if resp.Header.Get("bulwark-fallback") != "true" || upstreamCalls(s.sim, k.name) == before {
						t.Errorf("fallback %q, %d calls to %s", resp.Header.Get("bulwark-fallback"), upstreamCalls(s.sim, k.name)-before, k.name)
					}
					if status != 429 || k.name == "anthropic-b" {
						return // the first-party API names its own wait (retry-after)
					}
					// A cloud's throttle names no wait: the deployment cools down for a moment.
					before = upstreamCalls(s.sim, k.name)
					resp, body = post(t, s, request(false))
					wantFrom(t, resp, body, haiku, "anthropic")
					if n := upstreamCalls(s.sim, k.name) - before; n != 0 {
						t.Errorf("%d calls to %s right after its throttle, want none (cooling down)", n, k.name)
					}
				})
			}
		})
	}
}

// richRequest carries what providers are known to mangle: cache_control on
// the system prompt and a tool, a thinking block with its signature, tools.
const richRequest = `{"model":"claude-sonnet-5-5","max_tokens":256,"stream":false,
 "system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}],
 "thinking":{"type":"enabled","budget_tokens":1024},
 "tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"cache_control":{"type":"ephemeral"}}],
 "messages":[{"role":"user","content":"Weather in Paris?"},
  {"role":"assistant","content":[{"type":"thinking","thinking":"The user wants weather.","signature":"EqQBCkYIBRgCKkDsig+/=="},{"type":"text","text":"Let me look."}]},
  {"role":"user","content":[{"type":"text","text":"Go on.","cache_control":{"type":"ephemeral"}}]}]}`

// members splits a JSON object into its members' raw bytes.
func members(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not an object: %v: %s", err, b)
	}
	return m
}

func wantFrom(t *testing.T, resp *http.Response, body []byte, model, upstream string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("bulwark-model-used"); got != model {
		t.Errorf("bulwark-model-used %q, want %s", got, model)
	}
	if got := resp.Header.Get("bulwark-upstream"); got != upstream {
		t.Errorf("bulwark-upstream %q, want %s", got, upstream)
	}
}
