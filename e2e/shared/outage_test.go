package shared_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/redistest"
)

// outageConfig has windows long enough to outlast a Redis restart (the
// store's reconnection backoff reaches 2 s), and a second chain that falls
// back to the fallback model.
const outageConfig = fastProfile + `
chains: {claude-opus-5-5: [claude-opus-5-5, claude-haiku-5-5, static]}
breaker: {failures: 3, window: 10s, open_for: 5s}
user_breaker: {failures: 5, window: 10s}
cache: {enabled: true}
`

// cutOff makes 5 of user's requests fail through g, which cuts the user off.
func cutOff(t *testing.T, g *replica, user string) {
	t.Helper()
	for i := 1; i <= 5; i++ {
		if a := post(t, g, message(badModel, user, "do what the upstream refuses")); a.status != http.StatusBadRequest {
			t.Fatalf("failure %d of %s through %s: %v, want the upstream's 400", i, user, g.Name, a)
		}
	}
	mustBeCutOff(t, g, post(t, g, message(primary, user, "hello")))
}

// mustServe sends a good request and a rejected one (whose failure the
// per-user breaker counts, in Redis when it can) through g and checks that
// neither fails because of the store: 200 and the upstream's 400, no 5xx.
func mustServe(t *testing.T, g *replica, i int) {
	t.Helper()
	mustSucceed(t, g, post(t, g, message(primary, "", fmt.Sprintf("hello %d", i))))
	if a := post(t, g, message(badModel, fmt.Sprintf("dora-%s-%d", g.Name, i), "refused")); a.status != http.StatusBadRequest {
		t.Fatalf("%s answered a rejected request %v, want the upstream's 400", g.Name, a)
	}
}

func TestRedisKilledMidRunReplicasKeepServingAndShareAgainAfterRestart(t *testing.T) {
	rs := redistest.Start(t)
	s, up := startSim(t, rejectRule)
	a := startGateway(t, "A", up, outageConfig, rs.URL)
	b := startGateway(t, "B", up, outageConfig, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)
	mustServe(t, a, 0)
	mustServe(t, b, 0)

	// Redis dies: both keep answering from local state and say so.
	rs.Kill()
	killed := time.Now()
	served := 0
	waitFor(t, 3*time.Second, "both stores to report Redis down", func() bool {
		served++
		mustServe(t, a, served)
		mustServe(t, b, served)
		return !storeHealth(t, a).OK && !storeHealth(t, b).OK
	})
	t.Logf("Redis down reported by both after %v", time.Since(killed))
	for _, g := range []*replica{a, b} {
		h := statusStoreHealth(t, g)
		if h.Backend != "redis" || h.OK || h.Error == "" {
			t.Errorf("%s /v1/status store %+v, want redis, not ok, with the error", g.Name, h)
		}
	}
	// An outage of a second or more: the store's reconnection backoff grows
	// meanwhile, and every request is still answered.
	for i := 100; time.Since(killed) < 1200*time.Millisecond; i++ {
		mustServe(t, a, i)
		mustServe(t, b, i)
		served++
	}

	// A cut-off and a breaker open made while Redis is down hold on A at
	// once and reach B only once Redis is back.
	cutOff(t, a, "erin")
	mustSucceed(t, b, post(t, b, message(primary, "erin", "hello")))
	openBreakerOn(t, s, a, primary)
	if st := breakerState(t, b, primary); st != "closed" {
		t.Fatalf("B: primary breaker %q while Redis is down, want closed (B saw no failure)", st)
	}

	rs.Restart()
	restarted := time.Now()
	waitHealth(t, 5*time.Second, true, a, b)
	t.Logf("Redis down for %v, %d requests per replica meanwhile, none failed; both stores healthy %v after the restart",
		restarted.Sub(killed), 2*served, time.Since(restarted))
	if h := statusStoreHealth(t, b); !h.OK || h.Error != "" {
		t.Errorf("B /v1/status store %+v after recovery, want ok", h)
	}
	waitFor(t, 3*time.Second, "B to learn of the cut-off A made during the outage", func() bool {
		return post(t, b, message(primary, "erin", "hello")).status == http.StatusTooManyRequests
	})
	waitFor(t, 3*time.Second, "B to learn of the breaker A opened during the outage", func() bool {
		return breakerState(t, b, primary) == "open"
	})
	mustSkip(t, s, b, primary, 2)
	// One line when the outage started and one when it ended, whatever the
	// number of requests and reconnection tries in between.
	for _, g := range []*replica{a, b} {
		logs := g.Logs()
		down, up := strings.Count(logs, `"msg":"store.redis_unavailable"`), strings.Count(logs, `"msg":"store.redis_recovered"`)
		if down != 1 || up != 1 {
			t.Errorf("%s logged the outage %d times and the recovery %d times, want once each", g.Name, down, up)
		}
	}

	// Sharing resumes: a new cut-off and a new breaker open on A reach B.
	cutOff(t, a, "fred")
	took := waitFor(t, 3*time.Second, "B to cut fred off", func() bool {
		return post(t, b, message(primary, "fred", "hello")).status == http.StatusTooManyRequests
	})
	t.Logf("cut-off after recovery reached B in %v", took)
	openBreakerOn(t, s, a, opus)
	took = waitFor(t, 3*time.Second, "B's opus breaker to open", func() bool {
		return breakerState(t, b, opus) == "open"
	})
	t.Logf("breaker open after recovery reached B in %v", took)
	mustSkip(t, s, b, opus, 2)
}

func TestRedisHungReplicasKeepServingWithoutWaitingOnIt(t *testing.T) {
	rs := redistest.Start(t)
	_, up := startSim(t, rejectRule)
	a := startGateway(t, "A", up, outageConfig, rs.URL)
	b := startGateway(t, "B", up, outageConfig, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)
	// A cached answer, so that a read of the cache tier is on the way too.
	mustSucceed(t, a, post(t, a, message(primary, "", "hello 0")))

	rs.Freeze()
	frozen := time.Now()
	thawed := false
	defer func() {
		if !thawed {
			rs.Thaw()
		}
	}()
	served := 0
	var slowest time.Duration
	waitFor(t, 4*time.Second, "both stores to report Redis down", func() bool {
		served++
		for _, g := range []*replica{a, b} {
			start := time.Now()
			mustServe(t, g, served)
			slowest = max(slowest, time.Since(start))
		}
		return !storeHealth(t, a).OK && !storeHealth(t, b).OK
	})
	t.Logf("hung Redis reported by both after %v; slowest request pair %v", time.Since(frozen), slowest)
	// Each pair makes a user failure (a Redis call bounded by 50 ms while
	// Redis seems up); nothing waits for the hung server beyond that.
	if slowest > time.Second {
		t.Errorf("a pair of requests took %v while Redis hung", slowest)
	}

	rs.Thaw()
	thawed = true
	waitHealth(t, 6*time.Second, true, a, b)
	cutOff(t, a, "gina")
	waitFor(t, 3*time.Second, "B to cut gina off", func() bool {
		return post(t, b, message(primary, "gina", "hello")).status == http.StatusTooManyRequests
	})
}

func TestGatewayWithRedisDownAtStartServesAndReportsTheStoreUnhealthy(t *testing.T) {
	s, up := startSim(t, rejectRule)
	start := time.Now()
	g := startGateway(t, "A", up, outageConfig, "redis://"+closedPort(t)+"/0")
	t.Logf("started in %v with Redis unreachable", time.Since(start))

	mustSucceed(t, g, post(t, g, message(primary, "", "hello")))
	if h := storeHealth(t, g); h.Backend != "redis" || h.OK || h.Error == "" {
		t.Errorf("/readyz store %+v, want redis, not ok, with the error", h)
	}
	if h := statusStoreHealth(t, g); h.Backend != "redis" || h.OK {
		t.Errorf("/v1/status store %+v, want redis, not ok", h)
	}
	// Local state still does its job: the per-user breaker cuts off.
	cutOff(t, g, "hank")
	if n := calls(s, primary); n != 1 {
		t.Errorf("%d upstream calls to the primary, want 1 (the cut-off user's request made none)", n)
	}
}
