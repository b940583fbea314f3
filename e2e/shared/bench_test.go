package shared_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/store/redisstore"
)

// BenchmarkGatewayMemory is the success path of a non-streamed request
// through an in-process gateway with the memory store, one request in
// flight, against a loopback simulator. With BenchmarkGatewayRedis it shows
// what sharing state through Redis costs a request that succeeds (DESIGN §6:
// no synchronous Redis round trip on the success path).
func BenchmarkGatewayMemory(b *testing.B) { benchOne(b, newBenchStack(b, "", true)) }

// BenchmarkGatewayRedis is BenchmarkGatewayMemory with the Redis store on a
// real redis-server (skipped when redis-server is not installed).
func BenchmarkGatewayRedis(b *testing.B) { benchOne(b, newBenchStack(b, redistest.Start(b).URL, true)) }

// BenchmarkGatewayRedisVsMemory runs both stacks side by side, one request
// to each per iteration (in alternating order), so that both see the same
// machine noise; it reports each one's p50, p99 and mean, and the ratios
// redis/memory. Sub-benchmarks: "cache" with the cache tier on (every
// answer is also written to the cache: in Redis mode, written behind to
// Redis), "nocache" with it off.
func BenchmarkGatewayRedisVsMemory(b *testing.B) {
	for _, cache := range []bool{true, false} {
		name := "cache"
		if !cache {
			name = "nocache"
		}
		b.Run(name, func(b *testing.B) {
			mem := newBenchStack(b, "", cache)
			red := newBenchStack(b, redistest.Start(b).URL, cache)
			var lm, lr []time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					lm = append(lm, mem.send(b))
					lr = append(lr, red.send(b))
				} else {
					lr = append(lr, red.send(b))
					lm = append(lm, mem.send(b))
				}
				i++
			}
			b.StopTimer()
			red.checkUp(b)
			pm, qm, am := summary(lm)
			pr, qr, ar := summary(lr)
			b.ReportMetric(us(pm), "mem-p50-µs")
			b.ReportMetric(us(pr), "redis-p50-µs")
			b.ReportMetric(us(qm), "mem-p99-µs")
			b.ReportMetric(us(qr), "redis-p99-µs")
			b.ReportMetric(us(am), "mem-mean-µs")
			b.ReportMetric(us(ar), "redis-mean-µs")
			b.ReportMetric(float64(pr)/float64(pm), "p50-ratio")
			b.ReportMetric(float64(ar)/float64(am), "mean-ratio")
		})
	}
}

func benchOne(b *testing.B, s *benchStack) {
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for b.Loop() {
		lat = append(lat, s.send(b))
	}
	b.StopTimer()
	s.checkUp(b)
	p50, p99, _ := summary(lat)
	b.ReportMetric(us(p50), "p50-µs")
	b.ReportMetric(us(p99), "p99-µs")
}

// benchStack is an in-process gateway in front of a loopback simulator.
type benchStack struct {
	url  string
	hc   *http.Client
	st   store.Shared
	body []byte
}

// newBenchStack wires the gateway as `bulwark serve` does (engine with the
// store attached, per-user breaker, the cache tier of the default chain on
// when cache is true), with the Redis store when redisURL is set, and warms
// it up. Everything is stopped when b ends.
func newBenchStack(b *testing.B, redisURL string, cache bool) *benchStack {
	_, up, stop, err := sim.Start(sim.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	log := slog.New(slog.DiscardHandler)
	cfg := config.Default()
	cfg.Upstream = up
	cfg.Cache.Enabled = cache
	mem := store.NewMemory(
		store.WithUserLimit(cfg.UserBreaker.Failures, cfg.UserBreaker.Window.Std()),
		store.WithCacheTTL(cfg.Cache.TTL.Std()),
	)
	var st store.Shared = mem
	if redisURL != "" {
		rs, err := redisstore.New(context.Background(), redisURL, mem, redisstore.WithLogger(log),
			redisstore.WithOpenFor(cfg.Breaker.OpenFor.Std()))
		if err != nil {
			b.Fatal(err)
		}
		st = rs
	}
	b.Cleanup(func() { st.Close() })
	srv, err := gateway.New(
		gateway.WithConfig(cfg),
		gateway.WithAPIKey("sk-bench"),
		gateway.WithEngine(gateway.NewEngine(cfg, log, st, nil)),
		gateway.WithStore(st),
		gateway.WithLogger(log),
	)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	s := &benchStack{
		url:  ts.URL,
		hc:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
		st:   st,
		body: []byte(message(primary, "bench-user", "Say hello in a short sentence, please.")),
	}
	s.checkUp(b)
	for range 200 { // warm the connections and the pools
		s.send(b)
	}
	return s
}

// send makes one request and returns its latency.
func (s *benchStack) send(b *testing.B) time.Duration {
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/messages", bytes.NewReader(s.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	resp, err := s.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("bulwark-model-used") != primary {
		b.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	return time.Since(start)
}

// checkUp fails b unless the store's backend is up.
func (s *benchStack) checkUp(b *testing.B) {
	if h := s.st.Health(); !h.OK {
		b.Fatalf("store not up: %+v", h)
	}
}

// summary returns the p50, p99 and mean of lat (sorted in place).
func summary(lat []time.Duration) (p50, p99, mean time.Duration) {
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return lat[len(lat)/2], lat[len(lat)*99/100], sum / time.Duration(len(lat))
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
