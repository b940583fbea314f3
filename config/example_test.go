package config_test

import (
	"fmt"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/config"
)

func ExampleParse() {
	// A file can hold a single setting; everything else keeps its default.
	cfg, err := config.Parse([]byte("profiles: {interactive: {deadline: 5s}}\n"))
	if err != nil {
		panic(err)
	}
	p := cfg.Profiles[config.ProfileInteractive]
	fmt.Println(p.Deadline, p.AttemptTimeout, p.Attempts)
	// Output: 5s 20s 3
}

func ExampleParse_errors() {
	_, err := config.Parse([]byte("addr: 127.0.0.1:8080\nbreakr:\n  failures: 3\n"))
	fmt.Println(err)
	_, err = config.Parse([]byte("profiles:\n  interactive:\n    deadline: 5\n"))
	fmt.Println(err)
	// Output:
	// line 2: unknown key "breakr"
	// line 3: profiles.interactive.deadline: duration "5" has no unit; write a Go duration such as "5s" or "5ms"
}

func ExampleConfig_Chain() {
	cfg := config.Default()
	fmt.Println(cfg.Chain("claude-sonnet-5-5"))
	fmt.Println(cfg.Chain("claude-haiku-5-5"))
	fmt.Println(cfg.Chain("claude-sonnet-4-5"))
	// Output:
	// [claude-sonnet-5-5 claude-haiku-5-5 cache static]
	// [claude-haiku-5-5 cache static]
	// [claude-sonnet-4-5 static]
}

func ExampleConfig_Models() {
	cfg, err := config.Parse([]byte("chains: {default: [claude-sonnet-4-5, claude-haiku-4-5, static]}\n"))
	if err != nil {
		panic(err)
	}
	today := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for _, w := range catalog.Warnings(cfg.Models(), today, catalog.DefaultWarnWithin) {
		fmt.Println(w.Message)
	}
	// Output:
	// claude-sonnet-4-5 reached end-of-life on 2026-11-30: the API now answers it with 404 not_found_error; move to claude-sonnet-5-5
}

func ExampleConfig_ApplyOverrides() {
	cfg := config.Default()
	cfg.ApplyOverrides(config.Overrides{Addr: ":9000", Chain: []string{"claude-haiku-5-5", "static"}})
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	fmt.Println(cfg.Addr, cfg.Chain("claude-haiku-5-5"))
	// Output: :9000 [claude-haiku-5-5 static]
}

func ExampleConfig_Validate() {
	cfg := config.Default()
	cfg.RetryBudget.Ratio = 2
	fmt.Println(cfg.Validate())
	// Output: retry_budget.ratio: must be between 0 and 1, got 2
}

func ExampleDuration() {
	d, err := config.ParseDuration("1m30s")
	fmt.Println(d, d.Std() == 90*time.Second, err)
	_, err = config.ParseDuration("90")
	fmt.Println(err)
	// Output:
	// 1m30s true <nil>
	// duration "90" has no unit; write a Go duration such as "90s" or "90ms"
}

func Example_prices() {
	cfg, err := config.Parse([]byte("prices: {claude-sonnet-5-5: {input: 2, output: 10}}\n"))
	if err != nil {
		panic(err)
	}
	usd, known := cfg.Prices.Cost("claude-sonnet-5-5", catalog.Usage{InputTokens: 1000, OutputTokens: 100})
	fmt.Printf("$%.3f %v\n", usd, known)
	_, known = cfg.Prices.Cost("claude-haiku-5-5", catalog.Usage{InputTokens: 1000})
	fmt.Println(known)
	// Output:
	// $0.003 true
	// false
}
