package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FloodJunk is how many requests for made-up model names the flood scenario
// sends before its outage (DESIGN §4: they must not crowd out the breakers):
// more than the 4,096 models the first build's breaker table held (so that
// the scenario would catch it), and about 5 times the bound of the table of
// unconfigured models (breaker.DefaultMaxOtherModels).
const FloodJunk = 5000

// floodConcurrency is the junk requests in flight at once.
const floodConcurrency = 32

// floodScenario is the flood scenario: 4,000 requests for made-up model
// names, each failing upstream (so that each gets breaker state), then the
// primary answers 529 to everything. It is measured from the outage's start
// and compared with the same outage on a fresh gateway: the primary's
// breaker must open after its threshold as it does there.
func floodScenario() ChaosScenario {
	return ChaosScenario{
		Name: "flood",
		About: fmt.Sprintf("%s requests for made-up model names, each failing upstream, then the primary answers 529 to "+
			"everything; measured from the outage's start, against the same outage on a fresh gateway", formatCount(FloodJunk)),
		Rules: `[{"model":"` + primary + `","status":529}]`,
		Junk:  FloodJunk,
		judge: func(r, _ *ChaosResult) []Check {
			cs := []Check{AtLeast("success", r.Result.SuccessRate(), 1)}
			if r.Fresh != nil {
				fresh := r.Fresh.PrimaryCalls()
				cs = append(cs, AtMostCount(fmt.Sprintf("primary calls vs a fresh gateway's %d + 1:", fresh),
					r.PrimaryCalls(), fresh+1))
			}
			return cs
		},
	}
}

// PrimaryCalls is the upstream calls to the primary model over the measured
// load.
func (r *ChaosResult) PrimaryCalls() int64 { return r.Upstream.Models[primary].Requests }

// JunkResult is what the junk requests of a flood got.
type JunkResult struct {
	// Requests is the junk requests sent; Statuses counts their answers by
	// status (0: no answer).
	Requests int
	Statuses map[int]int64
	// Took is how long they took.
	Took time.Duration
}

// sendJunk sends n requests for made-up model names to the gateway at gwURL
// while the simulator fails every model (500), floodConcurrency at a time.
func sendJunk(ctx context.Context, sim *SimControl, gwURL string, n int) (*JunkResult, error) {
	if err := sim.SetFaults(ctx, `[{"model":"*","status":500}]`); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: ChaosDeadline + 3*time.Second, Transport: sharedTransport()}
	var next atomic.Int64
	var mu sync.Mutex
	res := &JunkResult{Requests: n, Statuses: map[int]int64{}}
	start := time.Now()
	var wg sync.WaitGroup
	for range floodConcurrency {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				status := junkRequest(ctx, client, gwURL, fmt.Sprintf("junk-model-%d-%x", i, start.UnixNano()))
				mu.Lock()
				res.Statuses[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Took = time.Since(start)
	return res, ctx.Err()
}

// junkRequest sends one request for model and returns the answer's status
// (0 for none).
func junkRequest(ctx context.Context, client *http.Client, gwURL, model string) int {
	body := MessagesRequest(model, false).Body
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gwURL+"/v1/messages", strings.NewReader(string(body)))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	req.Header.Set("X-Api-Key", "bench")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// floodNote describes a flood run for the table's notes.
func floodNote(r *ChaosResult) string {
	if r.Junk == nil {
		return ""
	}
	s := fmt.Sprintf(" Junk phase: %s requests in %s, answered %s.", formatCount(r.Junk.Requests),
		FormatDuration(r.Junk.Took), formatStatuses(r.Junk.Statuses))
	if r.Fresh != nil {
		s += fmt.Sprintf(" Primary calls in the outage: %d after the flood, %d on a fresh gateway (%s requests each).",
			r.PrimaryCalls(), r.Fresh.PrimaryCalls(), formatCount(int(r.Fresh.Result.Requests())))
	}
	return s
}

func formatStatuses(m map[int]int64) string {
	out := map[string]int64{}
	for st, n := range m {
		out[fmt.Sprint(st)] += n
	}
	return FormatOutcomes(out)
}

func formatCount(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
