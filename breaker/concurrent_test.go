package breaker

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestConcurrentUseKeepsTheProbeLimit(t *testing.T) {
	const probes = 2
	f := newFixture(t, Settings{Failures: 3, OpenFor: 30 * time.Millisecond, HalfOpenProbes: probes})
	models := []string{model, "claude-haiku-5-5", "claude-opus-5"}

	var mu sync.Mutex
	inflight := map[uint64]int{} // probes out per (model, epoch)
	var maxSeen, allowed, skipped atomic.Int64

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 6 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				m := rnd.IntN(len(models))
				p, v := f.r.Acquire(models[m])
				if v != Allow {
					skipped.Add(1)
					continue
				}
				allowed.Add(1)
				key := p.epoch<<2 | uint64(m)
				if p.Probe() {
					mu.Lock()
					inflight[key]++
					if n := int64(inflight[key]); n > maxSeen.Load() {
						maxSeen.Store(n)
					}
					mu.Unlock()
				}
				eff := []taxonomy.Effect{taxonomy.CountFailure, taxonomy.Neutral,
					taxonomy.CountSuccess, taxonomy.CountSuccess, taxonomy.CountSuccess}[rnd.IntN(5)]
				if p.Probe() {
					mu.Lock()
					inflight[key]--
					mu.Unlock()
				}
				if rnd.IntN(2) == 0 {
					p.Done(eff)
				} else {
					f.r.Record(models[m], eff) // the permit-less API, mixed in
				}
			}
		})
	}
	for i := range 300 {
		// At least 20 calls at each step of time: a burst of calls before
		// the first steps must not let time run ahead of the workers.
		for start := allowed.Load() + skipped.Load(); allowed.Load()+skipped.Load() < start+20; {
			runtime.Gosched() // let the workers run between steps of time
		}
		f.clk.Advance(10 * time.Millisecond)
		switch i % 50 {
		case 7:
			f.r.Force(models[i%3], f.clk.Now().Add(20*time.Millisecond))
		case 21:
			f.r.Cooldown(models[i%3], 15*time.Millisecond)
		case 33:
			f.r.ForceCooldown(models[i%3], f.clk.Now().Add(15*time.Millisecond))
		case 40:
			f.r.Snapshot()
		}
	}
	close(stop)
	wg.Wait()

	if maxSeen.Load() > probes {
		t.Fatalf("%d probes of one half-open period were out at once, limit %d", maxSeen.Load(), probes)
	}
	t.Logf("allowed %d, skipped %d, most probes out at once %d", allowed.Load(), skipped.Load(), maxSeen.Load())
	if allowed.Load() == 0 || skipped.Load() == 0 || maxSeen.Load() == 0 {
		t.Fatalf("allowed %d, skipped %d: the test did not exercise both paths", allowed.Load(), skipped.Load())
	}
	f.ch.mu.Lock()
	defer f.ch.mu.Unlock()
	perModel := map[string]int{}
	for _, c := range f.ch.list {
		if c.From == c.To {
			t.Fatalf("change without a change: %+v", c)
		}
		perModel[c.Model]++
	}
	for _, m := range models {
		if perModel[m] == 0 {
			t.Errorf("%s never changed state", m)
		}
	}
}
