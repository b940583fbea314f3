package demo

import (
	"fmt"
	"io"
	"strings"
)

// WriteIntro says what the run is about to show: the two sides, the incident
// and how users are judged.
func WriteIntro(w io.Writer, cfg Config) error {
	cfg = cfg.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "bulwark demo: a bad hour of the Anthropic API squeezed into %s, on the built-in simulator (no API key).\n\n", cfg.Duration)
	fmt.Fprintf(&b, "The same traffic, %s requests/s, goes to two simulators playing the same incident (seed %d):\n", trimFloat(cfg.RPS), cfg.Seed)
	fmt.Fprintf(&b, "  plain SDK  anthropic-sdk-go as tutorials use it: its defaults (2 retries, 10-minute timeout), %s only\n", Primary)
	br := demoBreaker(cfg.Duration)
	fmt.Fprintf(&b, "  bulwark    Guard.Handle: %s → a friendly message; %s deadline, %s per attempt,\n"+
		"             a model's breaker opens for %s when half of %d+ calls within %s fail\n\n",
		strings.Join(cfg.chain()[:len(cfg.chain())-1], " → "), demoDeadline, demoAttemptTimeout, br.OpenFor, br.MinRequests, br.Window)
	b.WriteString("The incident:\n")
	for _, p := range cfg.incident() {
		fmt.Fprintf(&b, "  %-11s %-10s  %s\n", span(p), p.Name, p.About)
	}
	fmt.Fprintf(&b, "\nA user who has no reply after %s gives up: a blank screen.\n\n", cfg.GiveUp)
	_, err := io.WriteString(w, b.String())
	return err
}
