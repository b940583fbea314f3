package chaos

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// rss reads process_resident_memory_bytes from a gateway process's /metrics
// (the Prometheus process collector: VmRSS on Linux).
func rss(t testing.TB, gwURL string) float64 {
	t.Helper()
	v, ok := gauge(t, gwURL, "process_resident_memory_bytes")
	if !ok {
		t.Skip("/metrics: no process_resident_memory_bytes on this platform")
	}
	return v
}

// sendUsers sends n requests, request i with the user id id(i) in
// metadata.user_id, one at a time, and returns the statuses seen.
func sendUsers(t testing.TB, gwURL string, n int, id func(i int) string) map[int]int {
	t.Helper()
	seen := map[int]int{}
	for i := range n {
		body := fmt.Sprintf(`{"model":%q,"max_tokens":16,"metadata":{"user_id":%q},"messages":[{"role":"user","content":"hi"}]}`,
			primary, id(i))
		resp, err := adminClient.Post(gwURL+"/v1/messages", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		seen[resp.StatusCode]++
	}
	return seen
}

func TestHugeUserIDsAreRefusedAndDoNotGrowTheGatewaysMemory(t *testing.T) {
	sim := startSimProc(t, 1)
	gw := startGatewayProc(t, sim.URL, gatewayConfig, "ANTHROPIC_API_KEY=sk-test")
	setFaults(t, sim.URL, `[]`)
	before := rss(t, gw.URL)
	huge := strings.Repeat("u", 1<<20)
	seen := sendUsers(t, gw.URL, 300, func(i int) string { return fmt.Sprint(i, huge) })
	after := rss(t, gw.URL)
	t.Logf("RSS before %.1f MiB, after 300 requests with 1 MiB user ids %.1f MiB; statuses %v", before/(1<<20), after/(1<<20), seen)
	if seen[http.StatusBadRequest] != 300 {
		t.Errorf("statuses = %v, want 300 × 400", seen)
	}
	if n := stats(t, sim.URL).Requests; n != 0 {
		t.Errorf("%d upstream calls for refused requests", n)
	}
	if grew := after - before; grew > 64<<20 {
		t.Errorf("RSS grew by %.0f MiB: the ids were kept", grew/(1<<20))
	}
}
