package demo_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/demo"
)

// The incident is scaled to the length of the run.
func ExampleIncident() {
	for _, p := range demo.Incident(15 * time.Second) {
		fmt.Printf("%-6s %-6s %-10s %s\n", p.Start, p.End, p.Name, p.About)
	}
	// Output:
	// 0s     2.812s healthy    every model answers
	// 2.812s 5.624s 429 storm  Sonnet rate-limited 70%, retry-after 1s
	// 5.624s 8.436s overloaded Sonnet 529 overloaded 90%, Haiku 10%
	// 8.436s 11.248s hung       Sonnet accepts requests and never answers
	// 11.248s 12.654s all down   every model answers 500 api_error
	// 12.654s 15s    recovery   every model answers again
}

// A blank request counts as never answered, so a percentile that falls on
// one says so.
func ExamplePercentile() {
	sorted := demo.Latencies([]demo.Request{
		{Took: 300 * time.Millisecond, Verdict: demo.Answered},
		{Took: 500 * time.Millisecond, Verdict: demo.Degraded},
		{Took: 10 * time.Second, Verdict: demo.Blank},
	})
	p50, _ := demo.Percentile(sorted, 50)
	p99, _ := demo.Percentile(sorted, 99)
	fmt.Println(p50, p99 == demo.Never)
	// Output: 500ms true
}
