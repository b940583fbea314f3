package gateway_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/bulwarkhq/bulwark/gateway"
)

// A gateway in front of the Anthropic API, with Sonnet falling back to
// Haiku, serving until interrupted; clients set their base URL to
// http://127.0.0.1:8080.
func ExampleNew() {
	srv, err := gateway.New(
		gateway.WithAPIKey(os.Getenv("ANTHROPIC_API_KEY")),
		gateway.WithChains(map[string][]string{
			"default": {"claude-sonnet-5-5", "claude-haiku-5-5", "static"},
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := srv.ListenAndServe(ctx, "127.0.0.1:8080"); err != nil {
		log.Fatal(err)
	}
}
