package backoff_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
)

func ExamplePolicy_Delay() {
	p := backoff.Policy{Initial: 100 * time.Millisecond, Max: time.Second}
	half := func() float64 { return 0.5 } // a fixed "random" source for the example

	for n := 1; n <= 5; n++ {
		fmt.Printf("retry %d: wait %v\n", n, p.Delay(n, 0, half))
	}

	// Decorrelated jitter grows each wait from the previous one.
	p.Jitter = backoff.Decorrelated
	var prev time.Duration
	for n := 1; n <= 3; n++ {
		prev = p.Delay(n, prev, half)
		fmt.Printf("decorrelated retry %d: wait %v\n", n, prev)
	}
	// Output:
	// retry 1: wait 50ms
	// retry 2: wait 100ms
	// retry 3: wait 200ms
	// retry 4: wait 400ms
	// retry 5: wait 500ms
	// decorrelated retry 1: wait 200ms
	// decorrelated retry 2: wait 350ms
	// decorrelated retry 3: wait 575ms
}
