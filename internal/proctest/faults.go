package proctest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

var adminClient = &http.Client{Timeout: 5 * time.Second}

// SetFaults replaces the live fault rules of the simulator at simURL
// (PUT /_sim/faults); the test fails if it refuses them.
func SetFaults(t testing.TB, simURL string, rules ...sim.Rule) {
	t.Helper()
	if rules == nil {
		rules = []sim.Rule{}
	}
	b, _ := json.Marshal(map[string]any{"rules": rules})
	req, _ := http.NewRequest(http.MethodPut, simURL+"/_sim/faults", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := adminClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /_sim/faults: %d %s", resp.StatusCode, body)
	}
}
