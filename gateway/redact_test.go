package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/internal/redact"
)

const (
	echoKey       = "sk-ant-api03-ECHOED-Key_0123456789abcdef"
	echoClientKey = "ck-echo-client-key-4567"
	echoSecret    = "admin-key-from-config-89"
	echoPassword  = "upstream-url-password-77"
	redisPassword = "redis-url-password-55"
)

// echoUpstream is an upstream that echoes the x-api-key it receives, the
// way a misbehaving proxy or a hostile upstream would: in a response header
// of every answer and in whatever the requested model asks for. It also
// echoes the request's anthropic-echo header, standing for any other secret
// an upstream could come to hold.
func echoUpstream(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-Api-Key")
		if e := r.Header.Get("Anthropic-Echo"); e != "" {
			key += " " + e
		}
		body, _ := io.ReadAll(r.Body)
		var req struct{ Model string }
		_ = json.Unmarshal(body, &req)
		w.Header().Set("X-Echo-Key", key)
		w.Header().Set("Request-Id", "req_echo")
		errorBody := func(status int, typ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":"invalid x-api-key: %s"}}`, typ, key)
		}
		stream := func(events ...string) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			fmt.Fprintf(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":%q,\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n", req.Model)
			for _, ev := range events {
				fmt.Fprint(w, ev)
			}
		}
		delta := "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
		streamError := fmt.Sprintf("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"key %s\"}}\n\n", key)
		switch {
		case r.URL.Path == "/v1/models":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":[],"has_more":false}`)
		case r.URL.Path == "/v1/messages/count_tokens":
			errorBody(400, "invalid_request_error")
		case req.Model == "echo-400":
			errorBody(400, "invalid_request_error")
		case req.Model == "echo-401":
			errorBody(401, "authentication_error")
		case req.Model == "echo-500":
			errorBody(500, "api_error")
		case req.Model == "echo-stream-before":
			stream(streamError)
		case req.Model == "echo-stream-after":
			stream(delta, streamError)
		default: // a 2xx answer that echoes the key in its text
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"msg_1","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"your key is %s"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":5}}`, req.Model, key)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestEchoedSecretsReachNoClientAndNoLogWhenAnUpstreamEchoesThem sends
// every kind of request to an upstream that echoes the gateway's key: in a
// header, a 4xx and 5xx body, a passthrough error body, an SSE error event
// before the commit point (then passed back as an error) and after it (then
// forwarded to the client). The key must appear in no byte a client gets
// and in no log line, and the marker must stand where it was.
func TestEchoedSecretsReachNoClientAndNoLogWhenAnUpstreamEchoesThem(t *testing.T) {
	up := echoUpstream(t)
	base := strings.Replace(up, "http://", "http://bob:"+echoPassword+"@", 1)
	g := startGateway(t, base,
		gateway.WithAPIKey(echoKey),
		gateway.WithConfig(config.Config{Redis: "redis://:" + redisPassword + "@127.0.0.1:1/0"}),
		gateway.WithSecrets(echoSecret),
		gateway.WithClientKeys(gateway.ClientKey{Key: echoClientKey}),
		gateway.WithChains(map[string][]string{
			"default":            {"plain"},
			"echo-500":           {"echo-500", "echo-400"},
			"echo-stream-before": {"echo-stream-before"},
		}))
	auth := []string{"X-Api-Key", echoClientKey, "Anthropic-Echo", echoSecret + " " + redisPassword}
	var seen strings.Builder
	record := func(resp *http.Response, b []byte) {
		_ = resp.Header.Write(&seen)
		seen.Write(b)
	}
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		marked                   bool // the marker is in the body
	}{
		{"2xx body", "POST", "/v1/messages", messagesBody("plain", "hi", false), 200, true},
		{"400 passed back", "POST", "/v1/messages", messagesBody("echo-400", "hi", false), 400, true},
		{"401 passed back", "POST", "/v1/messages", messagesBody("echo-401", "hi", false), 401, true},
		{"500 then 400 passed back", "POST", "/v1/messages", messagesBody("echo-500", "hi", false), 400, true},
		{"stream error before commit", "POST", "/v1/messages", messagesBody("echo-stream-before", "hi", true), 401, true},
		{"stream error after commit", "POST", "/v1/messages", messagesBody("echo-stream-after", "hi", true), 200, true},
		{"passthrough error body", "POST", "/v1/messages/count_tokens", messagesBody("plain", "hi", false), 400, true},
		{"passthrough 2xx header", "GET", "/v1/models", "", 200, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := call(t, tt.method, g.url+tt.path, tt.body, auth...)
			record(resp, b)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if got := resp.Header.Get("X-Echo-Key"); got != strings.Repeat(redact.Marker+" ", 2)+redact.Marker {
				t.Errorf("x-echo-key %q, want the marker", got)
			}
			if tt.marked && !strings.Contains(string(b), redact.Marker) {
				t.Errorf("no marker in %s", b)
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !json.Valid(b) {
				t.Errorf("the answer is not JSON any more: %s", b)
			}
			if tt.name == "stream error after commit" {
				evs := parseEvents(t, b)
				if last := evs[len(evs)-1]; last.name != "error" || !json.Valid([]byte(last.data)) {
					t.Errorf("last event %v", last)
				}
			}
		})
	}
	// What the gateway shows about itself.
	for _, path := range []string{"/readyz", "/v1/status"} {
		resp, b := call(t, "GET", g.url+path, "", auth...)
		record(resp, b)
		if resp.StatusCode != 200 || !strings.Contains(string(b), strings.TrimPrefix(up, "http://")) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	if len(g.logs.lines("agent.misconfig")) == 0 {
		t.Error("no agent.misconfig line: the upstream message is not logged at all")
	}
	for _, secret := range []string{echoKey, echoClientKey, echoPassword, "bob:", echoSecret, redisPassword} {
		if strings.Contains(seen.String(), secret) {
			t.Errorf("%q reached a client:\n%s", secret, seen.String())
		}
		if strings.Contains(g.logs.String(), secret) {
			t.Errorf("%q is in the logs:\n%s", secret, g.logs.String())
		}
	}
	if !strings.Contains(g.logs.String(), `"upstream_message":"invalid x-api-key: `+redact.Marker+" "+redact.Marker) {
		t.Errorf("upstream_message is not redacted in place:\n%s", g.logs.String())
	}
}

// TestPassedThroughClientKeysAreNeverLoggedWhenNoUpstreamKeyIsSet: with no
// upstream key the client's own key goes upstream; an echo of it is
// redacted too (from the logs; the client sent it anyway).
func TestPassedThroughClientKeysAreNeverLoggedWhenNoUpstreamKeyIsSet(t *testing.T) {
	g := startGateway(t, echoUpstream(t), gateway.WithAPIKey(""))
	for _, h := range [][]string{{"X-Api-Key", echoKey}, {"Authorization", "Bearer " + echoKey}} {
		resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody("echo-401", "hi", false), h...)
		if resp.StatusCode != 401 || strings.Contains(string(b), echoKey) {
			t.Errorf("%v: %d %s", h, resp.StatusCode, b)
		}
	}
	if logs := g.logs.String(); strings.Contains(logs, echoKey) || !strings.Contains(logs, redact.Marker) {
		t.Errorf("the client's key in the logs, or no marker:\n%s", logs)
	}
}

// failingTransport fails every call with err.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// TestANetworkErrorIsLoggedWithItsTextRedacted: the text of a transport
// error is on its attempt's log lines (a TLS failure is diagnosable), with
// secrets and URL userinfo removed.
func TestANetworkErrorIsLoggedWithItsTextRedacted(t *testing.T) {
	err := fmt.Errorf("proxyconnect tcp: dial http://bob:%s@proxy:3128: tls: failed to verify certificate (key %s)", echoPassword, echoKey)
	g := startGateway(t, "http://upstream.invalid", gateway.WithAPIKey(echoKey), gateway.WithSecrets(echoPassword),
		gateway.WithTransport(failingTransport{err}))
	if resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false)); resp.StatusCode < 500 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	lines := g.logs.lines("agent.model_failed")
	want := "proxyconnect tcp: dial http://proxy:3128: tls: failed to verify certificate (key " + redact.Marker + ")"
	if len(lines) == 0 || lines[0]["class"] != "network" || lines[0]["error"] != want {
		t.Errorf("agent.model_failed lines %v, want error %q", lines, want)
	}
	if logs := g.logs.String(); strings.Contains(logs, echoKey) || strings.Contains(logs, echoPassword) {
		t.Errorf("a secret is in the logs:\n%s", logs)
	}
}
