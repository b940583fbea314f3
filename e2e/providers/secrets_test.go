package providers_test

import (
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/sim"
)

// TestAProviderThatEchoesItsCredentialLeaksNothing: the second key's and
// Bedrock's upstreams echo the credentials they got (x-echo-key and the end
// of the error message); neither the client nor the gateway's log sees them.
func TestAProviderThatEchoesItsCredentialLeaksNothing(t *testing.T) {
	for _, k := range []kind{kinds[0], kinds[1]} {
		t.Run(k.name, func(t *testing.T) {
			s := start(t, k, sonnetDown, sim.Rule{Upstream: k.name, Model: "*", Status: 500, EchoKey: true})
			for _, stream := range []bool{false, true} {
				resp, body := post(t, s, request(stream))
				wantFrom(t, resp, body, haiku, "anthropic")
				for _, secret := range []string{"sk-ant-e2e-second-key", sim.AWSSecretAccessKey, "AKIASIMULATOR"} {
					if strings.Contains(string(body), secret) || strings.Contains(resp.Header.Get("x-echo-key"), secret) {
						t.Errorf("the answer holds %q", secret)
					}
				}
			}
			logs := s.gw.Logs()
			if !strings.Contains(logs, "agent.model_failed") {
				t.Fatalf("no failure logged; the echo was never seen:\n%s", logs)
			}
			for _, secret := range []string{"sk-ant-e2e-second-key", sim.AWSSecretAccessKey} {
				if strings.Contains(logs, secret) {
					t.Errorf("the log holds %q", secret)
				}
			}
		})
	}
}
