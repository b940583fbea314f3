package breaker

import (
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

const model = "claude-sonnet-5-5"

// changes records what WithOnChange and WithOnCooldown report.
type changes struct {
	mu        sync.Mutex
	list      []Change
	cooldowns []time.Time
}

func (c *changes) add(ch Change) {
	c.mu.Lock()
	c.list = append(c.list, ch)
	c.mu.Unlock()
}

func (c *changes) cooldown(_ string, until time.Time) {
	c.mu.Lock()
	c.cooldowns = append(c.cooldowns, until)
	c.mu.Unlock()
}

// take returns the changes so far as "from>to" strings and forgets them.
func (c *changes) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ch := range c.list {
		s := ch.From.String() + ">" + ch.To.String()
		if ch.Remote {
			s += " remote"
		}
		out = append(out, s)
	}
	c.list = nil
	return out
}

type fixture struct {
	t   *testing.T
	r   *Registry
	clk *clock.Fake
	ch  *changes
}

// newFixture returns a Registry on a fake clock in which model is configured
// (as the gateway's chains make it); other names are unconfigured.
func newFixture(t *testing.T, s Settings, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{t: t, clk: clock.NewFake(t0), ch: &changes{}}
	all := []Option{WithClock(f.clk), WithOnChange(f.ch.add), WithOnCooldown(f.ch.cooldown), WithModels(model)}
	f.r = New(s, append(all, opts...)...)
	return f
}

// fail records n failures through Allow/Record.
func (f *fixture) fail(n int) {
	f.t.Helper()
	for range n {
		if v := f.r.Allow(model); v != Allow {
			f.t.Fatalf("Allow = %v while failing", v)
		}
		f.r.Record(model, taxonomy.CountFailure)
	}
}

// open trips the breaker with Settings.Failures failures.
func (f *fixture) open() {
	f.t.Helper()
	f.fail(f.r.Settings().Failures)
	if s := f.r.State(model); s != Open {
		f.t.Fatalf("State = %v after %d failures, want open", s, f.r.Settings().Failures)
	}
}

// halfOpen trips the breaker and lets OpenFor pass.
func (f *fixture) halfOpen() {
	f.t.Helper()
	f.open()
	f.clk.Advance(f.r.Settings().OpenFor)
}

func (f *fixture) wantState(want State) {
	f.t.Helper()
	if got := f.r.State(model); got != want {
		f.t.Fatalf("State = %v, want %v", got, want)
	}
}

func (f *fixture) wantChanges(want ...string) {
	f.t.Helper()
	got := f.ch.take()
	if len(got) != len(want) {
		f.t.Fatalf("changes = %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			f.t.Fatalf("changes = %q, want %q", got, want)
		}
	}
}
