package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/bulwarkhq/bulwark"
)

// tally counts the requests that ended and those still waiting, for the
// live display.
type tally struct {
	mu                           sync.Mutex
	plain, bulwark               Counts
	plainWaiting, bulwarkWaiting int
}

func (t *tally) start() {
	t.mu.Lock()
	t.plainWaiting++
	t.bulwarkWaiting++
	t.mu.Unlock()
}

func (t *tally) end(plainSide bool, r Request) {
	t.mu.Lock()
	if plainSide {
		t.plain.Add(r)
		t.plainWaiting--
	} else {
		t.bulwark.Add(r)
		t.bulwarkWaiting--
	}
	t.mu.Unlock()
}

func (t *tally) state() (p, b Counts, pw, bw int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.plain, t.bulwark, t.plainWaiting, t.bulwarkWaiting
}

// traffic is the demo's open-loop load: the same prompts, on the same
// schedule, to the plain SDK and to bulwark.
type traffic struct {
	cfg    Config
	phases []Phase
	t0     time.Time
	plain  *anthropic.Client
	guard  *bulwark.Guard
	counts tally
	// plainReqs and guardReqs hold request i of each side; the first sent
	// were sent.
	plainReqs, guardReqs []Request
	sent                 int
}

func newTraffic(cfg Config, phases []Phase, t0 time.Time, plain *anthropic.Client, guard *bulwark.Guard) *traffic {
	n := int(cfg.Duration.Seconds() * cfg.RPS)
	return &traffic{cfg: cfg, phases: phases, t0: t0, plain: plain, guard: guard,
		plainReqs: make([]Request, n), guardReqs: make([]Request, n)}
}

// state is the live display's view of the traffic now.
func (t *traffic) state() LiveState {
	el := time.Since(t.t0)
	p, b, pw, bw := t.counts.state()
	return LiveState{Elapsed: el, Total: t.cfg.Duration, Phases: t.phases, Phase: PhaseAt(t.phases, el),
		Plain: p, Bulwark: b, PlainWaiting: pw, BulwarkWaiting: bw}
}

// live redraws the display every 100 ms until the returned stop is called;
// stop returns once the final frame is shown.
func (t *traffic) live() (stop func()) {
	disp := &display{w: t.cfg.Progress, terminal: t.cfg.Terminal, width: t.cfg.Width, period: t.cfg.ProgressEvery}
	stopLive := make(chan struct{})
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			disp.show(t.state(), false)
			// Reading the state reports a breaker whose open time has
			// passed as half-open (as a request would), so the timeline
			// shows it even when no request comes to try the model.
			for _, m := range t.cfg.chain()[:len(t.cfg.chain())-1] {
				t.guard.Breakers().State(m)
			}
			select {
			case <-tick.C:
			case <-stopLive:
				return
			}
		}
	}()
	return func() {
		close(stopLive)
		<-liveDone
		disp.show(t.state(), true)
	}
}

// run sends the traffic and waits for it to settle (see [settle]); what is
// still waiting then is cancelled and counts as blank. It reports whether
// ctx was cancelled first.
func (t *traffic) run(ctx context.Context) (interrupted bool) {
	// inflight is cancelled once the traffic and the grace are over.
	inflight, cancelInflight := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelInflight()
	var wg sync.WaitGroup
	interrupted = !t.send(ctx, inflight, &wg)
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	if !interrupted {
		interrupted = !settle(ctx, ended, t.t0.Add(t.cfg.Duration+t.cfg.Grace), t.t0.Add(t.cfg.Duration+demoDeadline+time.Second), &t.counts)
	}
	cancelInflight()
	<-ended
	return interrupted
}

// send starts request i of each side at t0 + i/RPS under inflight, adding
// them to wg. It returns false if ctx was cancelled before all were sent.
func (t *traffic) send(ctx, inflight context.Context, wg *sync.WaitGroup) bool {
	interval := time.Duration(float64(time.Second) / t.cfg.RPS)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := range t.plainReqs {
		timer.Reset(time.Until(t.t0.Add(time.Duration(i) * interval)))
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
		start := time.Since(t.t0)
		phase := PhaseAt(t.phases, start)
		prompt := prompts[i%len(prompts)]
		t.counts.start()
		t.sent++
		wg.Add(2)
		go func() {
			defer wg.Done()
			r := askPlain(inflight, t.plain, t.cfg.GiveUp, prompt)
			r.Seq, r.Phase, r.Start = i, phase, start
			t.plainReqs[i] = r
			t.counts.end(true, r)
		}()
		go func() {
			defer wg.Done()
			r := askBulwark(inflight, t.guard, t.cfg.GiveUp, prompt, fmt.Sprintf("user-%d", i%40))
			r.Seq, r.Phase, r.Start = i, phase, start
			t.guardReqs[i] = r
			t.counts.end(false, r)
		}()
	}
	return true
}
