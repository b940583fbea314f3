package bulwark_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

// A Guard answers from the fallback model while the primary is overloaded.
func Example() {
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", Status: 529}}))
	defer stop()

	g, err := bulwark.New(
		bulwark.WithBaseURL(url), // the simulator; omit for the real API
		bulwark.WithAPIKey("test"),
		bulwark.WithDeadline(10*time.Second),
		bulwark.WithAttempts(1),
		bulwark.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		panic(err)
	}
	resp := g.Handle(context.Background(), bulwark.Request{Message: "Where is my order?"})
	fmt.Println(resp.Success, resp.ModelUsed, resp.IsFallback)
	// Output: true claude-haiku-5-5 true
}

// Messages returns the SDK's message and an Outcome that tells the story.
func ExampleGuard_Messages() {
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", Status: 404}}))
	defer stop()

	g, _ := bulwark.New(bulwark.WithBaseURL(url), bulwark.WithAPIKey("test"), bulwark.WithLogger(slog.New(slog.DiscardHandler)))
	msg, out, err := g.Messages(context.Background(), anthropic.MessageNewParams{
		MaxTokens: 128,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hello"))},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Model, out.Fallback, out.Paged, out.UpstreamCalls())
	// Output: claude-haiku-5-5 true true 2
}

// Stream falls back invisibly until the first token, then streams.
func ExampleGuard_Stream() {
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", StreamError: true, ErrorType: "overloaded_error"}}))
	defer stop()

	g, _ := bulwark.New(bulwark.WithBaseURL(url), bulwark.WithAPIKey("test"), bulwark.WithLogger(slog.New(slog.DiscardHandler)))
	s := g.Stream(context.Background(), anthropic.MessageNewParams{
		MaxTokens: 128,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hello"))},
	})
	defer s.Close()
	for s.Next() {
		_ = s.Current() // forward each event to the user as it arrives
	}
	fmt.Println(s.Err() == nil, s.Outcome().Model, s.Message().StopReason)
	// Output: true claude-haiku-5-5 end_turn
}

// WithUpstream serves the primary model from AWS Bedrock, through the SDK's
// bedrock package, while the Anthropic API is down: the same model answers,
// so it is no fallback.
func ExampleWithUpstream() {
	// One simulator plays both: the Anthropic API (down) and Bedrock.
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Upstream: "anthropic", Model: "*", Status: 529}}))
	defer stop()
	awsCfg := aws.Config{Region: "us-east-1", // in production: config.LoadDefaultConfig(ctx)
		Credentials: credentials.NewStaticCredentialsProvider(sim.AWSAccessKeyID, sim.AWSSecretAccessKey, "")}

	g, err := bulwark.New(
		bulwark.WithBaseURL(url), bulwark.WithAPIKey("test"),
		bulwark.WithUpstream("bedrock-us", map[string]string{"claude-sonnet-5-5": "us.anthropic.claude-sonnet-5-5"},
			bedrock.WithConfig(awsCfg), option.WithBaseURL(url)), // omit the base URL for the real Bedrock
		bulwark.WithChain("claude-sonnet-5-5", "claude-sonnet-5-5@bedrock-us", "claude-haiku-5-5", "static"),
		bulwark.WithAttempts(1),
		bulwark.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		panic(err)
	}
	_, out, err := g.Messages(context.Background(), anthropic.MessageNewParams{
		MaxTokens: 128,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hello"))},
	})
	fmt.Println(err == nil, out.Model, out.Upstream, out.Fallback)
	// Output: true claude-sonnet-5-5 bedrock-us false
}
