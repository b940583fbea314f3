package catalog_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

func ExampleWarnings() {
	chain := []string{"claude-sonnet-4-5", "claude-haiku-4-5"}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, w := range catalog.Warnings(chain, now, catalog.DefaultWarnWithin) {
		fmt.Println(w.Retired, w.Message)
	}
	// Output:
	// true claude-sonnet-4-5 reached end-of-life on 2026-11-30: the API now answers it with 404 not_found_error; move to claude-sonnet-5-5
}

func ExamplePrices_Cost() {
	prices := catalog.DefaultPrices()
	u := catalog.Usage{InputTokens: 12_000, OutputTokens: 800, CacheReadInputTokens: 50_000}
	usd, known := prices.Cost("claude-haiku-4-5-20251001", u)
	fmt.Printf("$%.4f %v\n", usd, known)
	_, known = prices.Cost("claude-sonnet-5-5", u)
	fmt.Println("claude-sonnet-5-5 known:", known)
	// Output:
	// $0.0210 true
	// claude-sonnet-5-5 known: false
}

func ExampleLifecycle() {
	r, ok := catalog.Lifecycle("claude-opus-4-5-20251101")
	fmt.Println(ok, r.Date.Format(time.DateOnly), r.Successor)
	// Output: true 2027-01-22 claude-opus-5-5
}
