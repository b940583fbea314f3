package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// SimControl drives a simulator's admin endpoints (/_sim/faults,
// /_sim/stats, /_sim/reset).
type SimControl struct {
	// URL is the simulator's base URL.
	URL string
	// Client sends the admin requests; default a client with a 10 s timeout.
	Client *http.Client
}

func (c *SimControl) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: sharedTransport()}
}

func (c *SimControl) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.URL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// SetFaults replaces the live fault rules with rulesJSON, a JSON array of
// rules (e.g. `[{"model":"claude-sonnet-5-5","status":529}]`); "" or "[]"
// clears them.
func (c *SimControl) SetFaults(ctx context.Context, rulesJSON string) error {
	if strings.TrimSpace(rulesJSON) == "" {
		rulesJSON = "[]"
	}
	return c.do(ctx, http.MethodPut, "/_sim/faults", []byte(`{"rules":`+rulesJSON+`}`), nil)
}

// SetLimits replaces the simulator's rate limits with limitsJSON, a JSON
// array of sim.Limit; "" or "[]" clears them.
func (c *SimControl) SetLimits(ctx context.Context, limitsJSON string) error {
	if strings.TrimSpace(limitsJSON) == "" {
		limitsJSON = "[]"
	}
	return c.do(ctx, http.MethodPut, "/_sim/limits", []byte(`{"limits":`+limitsJSON+`}`), nil)
}

// Stats reads the counters.
func (c *SimControl) Stats(ctx context.Context) (sim.Stats, error) {
	var st sim.Stats
	err := c.do(ctx, http.MethodGet, "/_sim/stats", nil, &st)
	return st, err
}

// Reset clears the counters.
func (c *SimControl) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sim/reset", nil, nil)
}
