package shared_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/proctest"
	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/sim"
)

// headroomConfig puts the primary model on two Anthropic keys of the
// simulator, balanced by headroom. {{sim}} is the simulator's URL.
const headroomConfig = fastProfile + `upstreams:
  anthropic-a: {kind: anthropic, base_url: "{{sim}}/anthropic-a", api_key_env: ANTHROPIC_API_KEY_A}
  anthropic-b: {kind: anthropic, base_url: "{{sim}}/anthropic-b", api_key_env: ANTHROPIC_API_KEY_B}
chains:
  default:
    - {model: claude-sonnet-5-5, via: [anthropic-a, anthropic-b], balance: headroom}
    - claude-haiku-5-5
    - static
`

func startHeadroomGateway(t *testing.T, name, up, redisURL string) *replica {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(headroomConfig, "{{sim}}", up)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := proctest.CleanEnv("ANTHROPIC_API_KEY=sk-e2e-upstream", "ANTHROPIC_API_KEY_A=sk-e2e-a", "ANTHROPIC_API_KEY_B=sk-e2e-b")
	return proctest.Start(t, binary, name, env, "serve", "--addr", "127.0.0.1:0", "--upstream", up,
		"--config", path, "--log-format", "json", "--redis", redisURL)
}

// requestsLeft is what g's /v1/status says is left of deployment key's
// requests bucket; ok=false while g knows nothing of it.
func requestsLeft(t *testing.T, g *replica, key string) (left int64, ok bool) {
	t.Helper()
	var st struct {
		Headroom map[string]struct {
			Requests struct {
				Remaining int64 `json:"remaining"`
				Known     bool  `json:"known"`
			} `json:"requests"`
		} `json:"headroom"`
	}
	getJSON(t, g, "/v1/status", &st)
	h, found := st.Headroom[key]
	return h.Requests.Remaining, found && h.Requests.Known
}

func TestAKeyThatRanOutOnOneReplicaIsNotTriedByTheOther(t *testing.T) {
	rs := redistest.Start(t)
	s, up := startSim(t)
	// The first key takes one request a minute; the second plenty.
	s.SetLimits([]sim.Limit{{Upstream: "anthropic-a", Model: "*", RequestsPerMinute: 1},
		{Upstream: "anthropic-b", Model: "*", RequestsPerMinute: 10_000}})
	a := startHeadroomGateway(t, "A", up, rs.URL)
	b := startHeadroomGateway(t, "B", up, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)
	const keyA = primary + "@anthropic-a"

	// A's first request goes to the first key (nothing is known of either)
	// and leaves it empty until its reset.
	if ans := post(t, a, message(primary, "", "hello")); ans.status != 200 || ans.header.Get("bulwark-upstream") != "anthropic-a" {
		t.Fatalf("A answered %v via %q, want 200 via anthropic-a", ans, ans.header.Get("bulwark-upstream"))
	}
	took := waitFor(t, time.Second, "B to learn A's headers of the first key", func() bool {
		left, ok := requestsLeft(t, b, keyA)
		return ok && left == 0
	})
	t.Logf("the first key's headers seen by A reached B after %v", took)

	// B never sent a request itself: only the shared headers keep it off
	// the empty key, which would answer 429.
	for range 5 {
		if ans := post(t, b, message(primary, "", "hello")); ans.status != 200 || ans.header.Get("bulwark-upstream") != "anthropic-b" ||
			ans.header.Get("bulwark-model-used") != primary {
			t.Fatalf("B answered %v via %q, want 200 from %s via anthropic-b", ans, ans.header.Get("bulwark-upstream"), primary)
		}
	}
	st := s.Stats()
	if n := st.Upstreams["anthropic-a"].Requests; n != 1 {
		t.Fatalf("the first key got %d requests, want only A's first: B must not try it", n)
	}
	for m, ms := range st.Models {
		if ms.Outcomes["rate_limited"] != 0 {
			t.Fatalf("%s answered %d 429s; headroom steering must avoid them", m, ms.Outcomes["rate_limited"])
		}
	}
}
