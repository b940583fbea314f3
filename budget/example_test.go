package budget_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/clock"
)

func Example() {
	clk := clock.NewFake(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	// One retry per two first attempts, plus 1 retry/s, over a 10 s window.
	b := budget.New(0.5, 1, budget.WithClock(clk), budget.WithWindow(10*time.Second))

	for range 20 {
		b.OnAttempt() // each request's first upstream call
	}
	granted := 0
	for range 100 { // a retry storm: everyone wants to retry
		if b.TryRetry() {
			granted++
		}
	}
	fmt.Println("granted:", granted) // 0.5×20 + 1×10

	clk.Advance(10 * time.Second) // the window slides past the storm
	attempts, retries := b.Stats()
	fmt.Println("after 10s:", attempts, retries)
	// Output:
	// granted: 20
	// after 10s: 0 0
}
