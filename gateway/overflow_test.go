package gateway_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// The simulator's 400 in the API's words for a prompt over the window.
func promptTooLong(model string) sim.Rule {
	return sim.Rule{Model: model, Status: 400, ErrorType: "invalid_request_error",
		Message: "prompt is too long: 209353 tokens > 200000 maximum"}
}

func TestAPromptTooLongMovesToTheNextTierWithALargerContextWindow(t *testing.T) {
	const small, same, large = "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-6" // 200k, 200k, 1M
	s, up := startSim(t, promptTooLong(small))
	g := startGateway(t, up, gateway.WithChains(map[string][]string{"default": {small, same, large, "static"}}))
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(small, "a very long prompt", false))
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != large {
		t.Fatalf("status %d from %q: %s; want 200 from %s", resp.StatusCode, resp.Header.Get("bulwark-model-used"), body, large)
	}
	if requests(s, small) != 1 || requests(s, same) != 0 {
		t.Fatalf("upstream calls: %s %d (want 1, no retry), %s %d (want 0: no larger window)",
			small, requests(s, small), same, requests(s, same))
	}
}

func TestAPromptTooLongForEveryTierIsPassedBackAsThe400(t *testing.T) {
	s, up := startSim(t, promptTooLong(sonnet))
	g := startGateway(t, up) // sonnet-5-5 then haiku-5-5: both 1M
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "a very long prompt", false))
	if resp.StatusCode != 400 {
		t.Fatalf("status %d: %s; want the upstream's 400", resp.StatusCode, body)
	}
	if typ, msg, _ := anthropicError(t, body); typ != "invalid_request_error" || msg == "" {
		t.Fatalf("error %q %q; want the upstream's invalid_request_error", typ, msg)
	}
	if requests(s, haiku) != 0 {
		t.Fatal("the fallback, whose window is no larger, was tried")
	}
}
