package shared_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/sim"
)

// cacheConfig names the cache tier in the default chain and turns it on.
const cacheConfig = fastProfile + `
chains: {default: [claude-sonnet-5-5, claude-haiku-5-5, cache, static]}
cache: {enabled: true, ttl: 1m}
`

// everyModelDown makes the simulator overload every model.
var everyModelDown = []sim.Rule{{Model: "*", Status: 529}}

// waitCached asks g for body until the cache tier answers it.
func waitCached(t *testing.T, g *replica, body string) answer {
	t.Helper()
	var got answer
	waitFor(t, 3*time.Second, g.Name+" to answer from the cache tier", func() bool {
		got = post(t, g, body)
		return got.header.Get("bulwark-degraded") == "cache"
	})
	return got
}

// mustBeCacheOf checks that got is the cached copy of fresh.
func mustBeCacheOf(t *testing.T, got, fresh answer) {
	t.Helper()
	if got.status != http.StatusOK || got.body != fresh.body ||
		got.header.Get("bulwark-model-used") != fresh.header.Get("bulwark-model-used") ||
		got.header.Get("bulwark-fallback") != "true" {
		t.Fatalf("cache tier answered %v\nwant the earlier answer %v", got, fresh)
	}
}

func TestEveryModelDownServesTheCachedAnswerMarkedDegraded(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, "solo", up, cacheConfig, "")
	body := message(primary, "", "what is the capital of France?")
	fresh := post(t, g, body)
	mustSucceed(t, g, fresh)
	if fresh.header.Get("bulwark-degraded") != "" {
		t.Fatalf("fresh answer marked degraded: %v", fresh)
	}

	s.SetRules(everyModelDown)
	mustBeCacheOf(t, waitCached(t, g, body), fresh)

	// The same request streamed gets the cached message as an SSE stream.
	streamed := post(t, g, strings.Replace(body, `"max_tokens"`, `"stream":true,"max_tokens"`, 1))
	if streamed.status != http.StatusOK || streamed.header.Get("bulwark-degraded") != "cache" ||
		!strings.HasPrefix(streamed.header.Get("content-type"), "text/event-stream") ||
		!strings.Contains(streamed.body, "event: message_stop") {
		t.Errorf("streamed request: %v, want the cached message as an SSE stream", streamed)
	}
	// A request never answered before has nothing cached: an honest error.
	other := post(t, g, message(primary, "", "something never asked"))
	if other.status != 529 || other.header.Get("bulwark-degraded") != "" {
		t.Errorf("uncached request while every model is down: %v, want 529 overloaded_error", other)
	}
}

func TestAnswerCachedThroughOneReplicaIsServedByAnother(t *testing.T) {
	rs := redistest.Start(t)
	s, up := startSim(t)
	a := startGateway(t, "A", up, cacheConfig, rs.URL)
	b := startGateway(t, "B", up, cacheConfig, rs.URL)
	waitHealth(t, 3*time.Second, true, a, b)

	body := message(primary, "", "what is the capital of Peru?")
	fresh := post(t, a, body)
	mustSucceed(t, a, fresh)

	s.SetRules(everyModelDown)
	before := s.Stats().Requests
	got := waitCached(t, b, body)
	mustBeCacheOf(t, got, fresh)
	if n := s.Stats().Requests - before; n < 2 {
		t.Errorf("B made %d upstream calls before answering from the cache, want its model tiers tried first", n)
	}
}
