package engine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// TestANetworkErrorsTextIsLoggedOnItsRetryAndModelFailedLines: a TLS error
// is diagnosable from the logs, not just class=network.
func TestANetworkErrorsTextIsLoggedOnItsRetryAndModelFailedLines(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, breaker.Settings{Failures: 100}, engine.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	tlsErr := errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")
	f.up.on(sonnet, func(engine.Attempt) (taxonomy.Result, time.Duration) {
		return taxonomy.Result{Err: tlsErr}, 10 * time.Millisecond
	})
	f.up.on(haiku, status(529))
	f.run(t, profile(2, 10*time.Second, time.Second))
	want := map[string]string{"agent.retry": tlsErr.Error(), "agent.model_failed": tlsErr.Error()}
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["model"] == sonnet {
			e, _ := m["error"].(string)
			got[m["msg"].(string)] = append(got[m["msg"].(string)], e)
		}
		if m["model"] == haiku && m["error"] != nil {
			t.Errorf("an error text on a line of an attempt without one: %s", line)
		}
	}
	for msg, text := range want {
		if len(got[msg]) == 0 || got[msg][0] != text {
			t.Errorf("%s: error %q, want %q\n%s", msg, got[msg], text, buf.String())
		}
	}
}
