package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/demo"
	"golang.org/x/term"
)

// runDemo plays a bad hour of the Anthropic API on two in-process simulators
// and shows what an agent's users see with the plain SDK and with bulwark.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "Show what an agent's users see during a bad hour of the Anthropic API, with\n"+
		"the plain SDK and with bulwark, side by side, on the built-in simulator (no API key).", stderr)
	duration := fs.Duration("duration", 45*time.Second, "how long to send traffic; the incident is scaled to it (at least 1s)")
	rps := fs.Float64("rps", 8, "requests per second sent to each side, open loop")
	report := fs.String("report", "", "also write a self-contained HTML report with a chart to this `file`")
	seed := fs.Int64("seed", 1, "seed of the simulators' fault draws and answers")
	cfgFile := fs.String("config", "", "a bulwark YAML config `file` whose prices (and user messages) to use")
	providers := fs.Bool("providers", false, "the incident hits the Anthropic API only, and bulwark also has the primary model on AWS Bedrock (simulated)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := demo.Config{Duration: *duration, RPS: *rps, Seed: *seed, Progress: stdout, Providers: *providers}
	err := cfg.Validate()
	if *rps <= 0 || *duration <= 0 { // 0 would mean "the default" to demo.Config
		err = errors.New("--duration and --rps must be above 0")
	}
	if err != nil {
		fmt.Fprintf(stderr, "bulwark demo: %v\n", err)
		return errUsage
	}
	if *cfgFile != "" {
		c, err := config.Load(*cfgFile)
		if err != nil {
			return err
		}
		cfg.Prices = c.Prices
		cfg.Messages.Unavailable, cfg.Messages.Timeout, cfg.Messages.Notice = c.Messages.Unavailable, c.Messages.Timeout, c.Messages.Notice
	}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cfg.Terminal = true
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			cfg.Width = w
		}
	}

	if err := demo.WriteIntro(stdout, cfg); err != nil {
		return err
	}
	res, err := demo.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := demo.WriteSummary(stdout, res); err != nil {
		return err
	}
	if *report != "" {
		if err := writeReport(*report, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nReport written to %s\n", *report)
	}
	if res.Interrupted {
		return errors.New("interrupted: the results above are partial")
	}
	return nil
}

func writeReport(path string, res *demo.Result) error {
	var b strings.Builder
	if err := demo.WriteReport(&b, res); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}
