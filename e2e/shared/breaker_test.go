package shared_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/sim"
)

// breakerConfig opens a model's breaker after 3 failures within 10 s, for 3 s.
const breakerConfig = fastProfile + "breaker: {failures: 3, window: 10s, open_for: 3s}\n"

// inCooldown reports whether model is in a 429 cooldown on g, as
// /v1/status reports it.
func inCooldown(t *testing.T, g *replica, model string) bool {
	t.Helper()
	var st struct {
		Breakers []struct {
			Model         string    `json:"model"`
			CooldownUntil time.Time `json:"cooldown_until"`
		} `json:"breakers"`
	}
	getJSON(t, g, "/v1/status", &st)
	for _, b := range st.Breakers {
		if b.Model == model {
			return b.CooldownUntil.After(time.Now())
		}
	}
	return false
}

// openBreakerOn sends requests for model through g while the simulator
// overloads it, until g's breaker of model opens (3 failures), then makes
// model healthy again. model's chain must fall back to the fallback model.
func openBreakerOn(t *testing.T, s *sim.Server, g *replica, model string) {
	t.Helper()
	s.SetRules([]sim.Rule{rejectRule, {Model: model, Status: 529}})
	for i := 1; i <= 3; i++ {
		a := post(t, g, message(model, "", "hello"))
		if a.status != http.StatusOK || a.header.Get("bulwark-model-used") != fallback {
			t.Fatalf("request %d through %s while %s is overloaded: %v, want the fallback's answer", i, g.Name, model, a)
		}
	}
	if st := breakerState(t, g, model); st != "open" {
		t.Fatalf("%s: %s breaker %q after 3 overloads, want open", g.Name, model, st)
	}
	s.SetRules([]sim.Rule{rejectRule})
}

// mustSkip checks that g answers requests for model from the fallback
// without calling model (healthy again).
func mustSkip(t *testing.T, s *sim.Server, g *replica, model string, requests int) {
	t.Helper()
	before := calls(s, model)
	for range requests {
		a := post(t, g, message(model, "", "hello"))
		if a.status != http.StatusOK || a.header.Get("bulwark-model-used") != fallback || a.header.Get("bulwark-fallback") != "true" {
			t.Fatalf("%s answered %v, want the fallback's answer", g.Name, a)
		}
	}
	if n := calls(s, model) - before; n != 0 {
		t.Fatalf("%s sent %d requests to %s, want none while its breaker is open", g.Name, n, model)
	}
}

func TestBreakerOpenedOnOneReplicaMakesTheOtherSkipTheModelWithinASecond(t *testing.T) {
	rs := redistest.Start(t)
	s, up := startSim(t, rejectRule)
	a := startGateway(t, "A", up, breakerConfig, rs.URL)
	b := startGateway(t, "B", up, breakerConfig, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)
	mustSucceed(t, b, post(t, b, message(primary, "", "warm up")))

	openBreakerOn(t, s, a, primary)
	took := waitFor(t, time.Second, "B's primary breaker to open", func() bool {
		return breakerState(t, b, primary) == "open"
	})
	t.Logf("breaker opened on A was open on B after %v", took)
	// The primary is healthy again, but B saw no failure of its own: only the
	// shared state keeps it away.
	mustSkip(t, s, b, primary, 3)
	// A replica that starts now loads the open breaker from Redis.
	c := startGateway(t, "C", up, breakerConfig, rs.URL)
	if st := breakerState(t, c, primary); st != "open" {
		t.Errorf("C, started while the breaker is open: primary breaker %q, want open", st)
	}
	mustSkip(t, s, c, primary, 1)

	// After open_for both let the primary be tried again.
	waitFor(t, 4*time.Second, "the primary to answer through B again", func() bool {
		return post(t, b, message(primary, "", "hello")).header.Get("bulwark-model-used") == primary
	})
	waitFor(t, time.Second, "the primary to answer through A again", func() bool {
		return post(t, a, message(primary, "", "hello")).header.Get("bulwark-model-used") == primary
	})
}

func TestRateLimitCooldownOnOneReplicaIsHonouredByTheOther(t *testing.T) {
	rs := redistest.Start(t)
	s, up := startSim(t, sim.Rule{Model: primary, Status: http.StatusTooManyRequests, RetryAfter: sim.Duration(3 * time.Second)})
	a := startGateway(t, "A", up, breakerConfig, rs.URL)
	b := startGateway(t, "B", up, breakerConfig, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)

	// retry-after 3 s does not fit the 2 s deadline: A starts a cooldown and
	// falls back at once.
	if ans := post(t, a, message(primary, "", "hello")); ans.status != http.StatusOK || ans.header.Get("bulwark-model-used") != fallback {
		t.Fatalf("A answered %v, want the fallback's answer", ans)
	}
	if !inCooldown(t, a, primary) {
		t.Fatal("A: no cooldown of the primary after a 429 with retry-after")
	}
	s.SetRules(nil)
	took := waitFor(t, time.Second, "B to hold the primary's cooldown", func() bool { return inCooldown(t, b, primary) })
	t.Logf("cooldown started on A was in force on B after %v", took)
	mustSkip(t, s, b, primary, 3)
}
