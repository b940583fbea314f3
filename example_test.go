package bulwark_test

import (
	"context"
	"fmt"
	"time"

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
	)
	if err != nil {
		panic(err)
	}
	resp := g.Handle(context.Background(), bulwark.Request{Message: "Where is my order?"})
	fmt.Println(resp.Success, resp.ModelUsed, resp.IsFallback)
	// Output: true claude-haiku-5-5 true
}
