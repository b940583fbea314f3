package breaker_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func Example() {
	clk := clock.NewFake(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	reg := breaker.New(breaker.Settings{Failures: 3, OpenFor: 30 * time.Second},
		breaker.WithClock(clk),
		breaker.WithOnChange(func(c breaker.Change) {
			fmt.Printf("  breaker.state_change model=%s %s -> %s\n", c.Model, c.From, c.To)
		}))
	const sonnet = "claude-sonnet-5-5"

	// The primary answers 529 three times: its breaker opens.
	for range 3 {
		p, v := reg.Acquire(sonnet)
		fmt.Println("attempt:", v)
		p.Done(taxonomy.CountFailure)
	}
	_, v := reg.Acquire(sonnet)
	fmt.Println("next request:", v) // skipped in microseconds, next tier

	// 30 s later one probe goes through; it succeeds and the breaker closes.
	clk.Advance(30 * time.Second)
	p, v := reg.Acquire(sonnet)
	fmt.Println("after 30s:", v, "probe:", p.Probe())
	p.Done(taxonomy.CountSuccess)

	// A 429 with retry-after: 5 puts the model in cooldown.
	reg.Cooldown(sonnet, 5*time.Second)
	fmt.Println("during cooldown:", reg.Allow(sonnet))
	// Output:
	// attempt: allow
	// attempt: allow
	// attempt: allow
	//   breaker.state_change model=claude-sonnet-5-5 closed -> open
	// next request: skip_open
	//   breaker.state_change model=claude-sonnet-5-5 open -> half_open
	// after 30s: allow probe: true
	//   breaker.state_change model=claude-sonnet-5-5 half_open -> closed
	// during cooldown: skip_cooldown
}

func ExampleRegistry_Snapshot() {
	clk := clock.NewFake(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	reg := breaker.New(breaker.Settings{}, breaker.WithClock(clk))
	reg.Force("claude-sonnet-5-5", clk.Now().Add(20*time.Second)) // as a peer replica said
	reg.Cooldown("claude-haiku-5-5", 2*time.Second)
	for _, s := range reg.Snapshot() {
		fmt.Printf("%s: %s, open %v, cooldown %v\n", s.Model, s.State, s.OpenLeft, s.CooldownLeft)
	}
	// Output:
	// claude-haiku-5-5: closed, open 0s, cooldown 2s
	// claude-sonnet-5-5: open, open 20s, cooldown 0s
}
