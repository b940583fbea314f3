package gateway_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/metrics"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

// outageCalls sends n requests for the primary while it answers 529 and
// returns how many upstream calls the primary got. Before that it sends junk
// requests, each for a made-up model that the upstream fails (so that each
// one gets breaker state).
func outageCalls(t *testing.T, junk, n int) int64 {
	t.Helper()
	s, up := startSim(t)
	eng := engine.New(engine.WithLogger(slog.New(slog.DiscardHandler)), engine.WithBudget(budget.New(1, 1000)),
		engine.WithBreakers(breaker.New(breaker.Settings{Failures: 5})))
	g := startGateway(t, up, gateway.WithEngine(eng))

	s.SetRules([]sim.Rule{{Model: "*", Status: 500}})
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(fmt.Sprintf("junk-model-%d", i), "hi", false))
				if resp.StatusCode == http.StatusBadRequest {
					t.Errorf("junk request refused: %d", resp.StatusCode)
				}
			}
		})
	}
	for i := range junk {
		next <- i
	}
	close(next)
	wg.Wait()

	s.SetRules([]sim.Rule{{Model: sonnet, Status: 529}})
	s.Reset()
	for range n {
		if resp, b := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false)); resp.StatusCode != 200 {
			t.Fatalf("status %d during the outage: %s", resp.StatusCode, b)
		}
	}
	return s.Stats().Models[sonnet].Requests
}

func TestPrimaryBreakerOpensAfterItsThresholdAfterAFloodOfJunkModels(t *testing.T) {
	fresh := outageCalls(t, 0, 40)
	flooded := outageCalls(t, 4_200, 40)
	t.Logf("upstream calls to the primary for 40 requests in an outage: fresh gateway %d, after 4,200 junk models %d", fresh, flooded)
	if fresh >= 40 {
		t.Fatalf("a fresh gateway made %d calls for 40 requests: its breaker never opened", fresh)
	}
	if flooded > fresh {
		t.Fatalf("after the flood the primary got %d calls, a fresh gateway's %d: the flood took its breaker", flooded, fresh)
	}
}

func TestUserIDOver256BytesIsA400WithNoUpstreamCall(t *testing.T) {
	s, up := startSim(t)
	withStore := startGateway(t, up, gateway.WithStore(store.NewMemory()))
	noStore := startGateway(t, up)
	over, max := strings.Repeat("u", 257), strings.Repeat("u", 256)
	meta := func(user string) string {
		b, _ := json.Marshal(map[string]any{"model": sonnet, "max_tokens": 16, "metadata": map[string]any{"user_id": user},
			"messages": []map[string]any{{"role": "user", "content": "hi"}}})
		return string(b)
	}
	agent := func(user string) string {
		b, _ := json.Marshal(map[string]any{"message": "hi", "user_id": user})
		return string(b)
	}
	for _, g := range []*gw{withStore, noStore} {
		for _, c := range []struct {
			name, path, body string
			header           []string
			want             string
		}{
			{"metadata.user_id", "/v1/messages", meta(over), nil, "metadata.user_id"},
			{"bulwark-user-id", "/v1/messages", messagesBody(sonnet, "hi", false), []string{"Bulwark-User-Id", over}, "bulwark-user-id"},
			{"agent user_id", "/v1/agent", agent(over), nil, "metadata.user_id"},
			{"agent header", "/v1/agent", agent("ok"), []string{"Bulwark-User-Id", over}, "bulwark-user-id"},
		} {
			s.Reset()
			resp, b := call(t, "POST", g.url+c.path, c.body, c.header...)
			if resp.StatusCode != 400 {
				t.Fatalf("%s: %d %s", c.name, resp.StatusCode, b)
			}
			if typ, msg, id := anthropicError(t, b); typ != "invalid_request_error" || !strings.Contains(msg, c.want) || id == "" {
				t.Errorf("%s: %s", c.name, b)
			}
			if n := s.Stats().Requests; n != 0 {
				t.Errorf("%s: %d upstream calls for a refused request", c.name, n)
			}
		}
		for _, body := range []string{meta(max), agent(max)} {
			path := "/v1/messages"
			if strings.Contains(body, `"message":`) {
				path = "/v1/agent"
			}
			if resp, b := call(t, "POST", g.url+path, body, "Bulwark-User-Id", max); resp.StatusCode != 200 {
				t.Errorf("%s with 256-byte ids: %d %s", path, resp.StatusCode, b)
			}
		}
	}
}

func TestManyDistinctLongUserIDsKeepTheUserTablesWithinTheirBounds(t *testing.T) {
	const bytes = 64 << 10
	s, up := startSim(t)
	s.SetRules([]sim.Rule{{Model: sonnet, Status: 400}}) // the user's fault: counts against the user
	mem := store.NewMemory(store.WithUserLimit(2, time.Minute), store.WithUserBounds(1_000_000, bytes))
	m := metrics.New(metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithMaxUserBytes(bytes))
	g := startGateway(t, up, gateway.WithStore(mem), gateway.WithObserver(gateway.MetricsObserver(m)))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				id := fmt.Sprintf("%0256d", i)
				body := messagesBody(sonnet, "hi", false)
				if i%2 == 1 { // half in the header, half in the body
					body = strings.Replace(body, `"model"`, `"metadata":{"user_id":"`+id+`"},"model"`, 1)
					id = ""
				}
				if resp, b := call(t, "POST", g.url+"/v1/messages", body, "Bulwark-User-Id", id); resp.StatusCode != 400 {
					t.Errorf("status %d: %s", resp.StatusCode, b)
				}
			}
		})
	}
	for i := range 3000 {
		next <- i
	}
	close(next)
	wg.Wait()
	// The observer hears of a request just after its answer went out.
	waitFor(t, "every request to reach the metrics", func() bool {
		sp := m.Status().Spend
		return sp.UsersTracked+int(sp.UsersDropped) == 3000
	})
	u := mem.Usage()
	sp := m.Status().Spend
	t.Logf("after 3,000 users with 256-byte ids: store %+v; metrics: %d users tracked, %d dropped", u, sp.UsersTracked, sp.UsersDropped)
	if u.FailingUserBytes > bytes || u.FailingUsers == 0 {
		t.Errorf("failure windows: %d users, %d bytes; bound %d bytes", u.FailingUsers, u.FailingUserBytes, bytes)
	}
	if most := bytes / (256 + 64); sp.UsersTracked > most || sp.UsersTracked+int(sp.UsersDropped) != 3000 {
		t.Errorf("spend by user: %d tracked (at most %d fit in %d bytes), %d dropped", sp.UsersTracked, most, bytes, sp.UsersDropped)
	}
}
