package bulwark_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

// Middleware gives an existing SDK client bulwark: during an outage of the
// primary model, the unchanged client.Messages.New is answered by the
// fallback model.
func ExampleMiddleware() {
	// The simulator, its primary model down: every call to it is a 529.
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "claude-sonnet-5-5", Status: 529, Rate: 1}}))
	defer stop()

	client := anthropic.NewClient(
		option.WithBaseURL(url), // the simulator; omit for the real API
		option.WithAPIKey("test"),
		option.WithMiddleware(bulwark.Middleware(
			bulwark.WithChain("claude-sonnet-5-5", "claude-haiku-5-5"),
			bulwark.WithDeadline(10*time.Second),
			bulwark.WithAttempts(1),
			bulwark.WithLogger(slog.New(slog.DiscardHandler)),
		)),
	)
	msg, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model:     "claude-sonnet-5-5", // the chain decides; its first model is tried first
		MaxTokens: 128,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Where is my order?"))},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Model, msg.StopReason)
	// Output: claude-haiku-5-5 end_turn
}
