package sim_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/sim"
)

// A test points the official SDK at the simulator and makes the primary
// model overloaded.
func Example() {
	s, url, stop, err := sim.Start(sim.WithSeed(1), sim.WithRules([]sim.Rule{
		{Model: "claude-sonnet-5-5", Status: 529, RetryAfter: sim.Duration(2e9)},
	}))
	if err != nil {
		panic(err)
	}
	defer stop()
	client := anthropic.NewClient(option.WithBaseURL(url), option.WithAPIKey("test"), option.WithMaxRetries(0))
	ask := func(model string) (*anthropic.Message, error) {
		return client.Messages.New(context.Background(), anthropic.MessageNewParams{
			Model:     anthropic.Model(model),
			MaxTokens: 64,
			Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))},
		})
	}

	_, err = ask("claude-sonnet-5-5")
	var apierr *anthropic.Error
	if errors.As(err, &apierr) {
		fmt.Println(apierr.StatusCode, apierr.Type(), "retry-after:", apierr.Response.Header.Get("retry-after"))
	}
	msg, err := ask("claude-haiku-5-5")
	if err == nil {
		fmt.Println(msg.Model, msg.StopReason)
	}
	st := s.Stats()
	fmt.Println(st.Requests, st.Models["claude-sonnet-5-5"].Outcomes, st.Models["claude-haiku-5-5"].Outcomes)
	// Output:
	// 529 overloaded_error retry-after: 2
	// claude-haiku-5-5 end_turn
	// 2 map[status_529:1] map[ok:1]
}

func ExampleParseRules() {
	rules, err := sim.ParseRules([]byte(`{"rules":[
		{"model":"claude-sonnet-5-5","status":529,"rate":0.3},
		{"model":"*","latency":"20ms"},
		{"model":"*","stall_after_tokens":5,"stall":"2s"}
	]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(rules), rules[1].Latency, rules[2].Stall)

	_, err = sim.ParseRules([]byte(`{"rules":[{"model":"*","latency":"soon"}]}`))
	fmt.Println(err)
	// Output:
	// 3 20ms 2s
	// rules[0].latency: bad duration "soon": want a Go duration such as "150ms" or "2s"
}
