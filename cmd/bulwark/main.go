// Command bulwark keeps Claude agents answering when the Anthropic API fails.
//
//	bulwark sim          run the Anthropic API simulator with scriptable faults
//	bulwark serve        run the Anthropic-compatible resilient gateway
//	bulwark demo         show a bad hour of the API, with and without bulwark
//	bulwark bench        measure bulwark's overhead and chaos behaviour
//	bulwark healthcheck  exit 0 if the gateway on --addr is ready (the container's HEALTHCHECK)
//	bulwark version      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"sim", "run the Anthropic API simulator with scriptable faults", runSim},
		{"serve", "run the Anthropic-compatible resilient gateway", runServe},
		{"demo", "show a bad hour of the API to an agent's users, with and without bulwark", runDemo},
		{"bench", "measure overhead against a bare reverse proxy, and behaviour under chaos", runBench},
		{"healthcheck", "exit 0 if the gateway on --addr is ready (GET /readyz), else 1", runHealthcheck},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "bulwark %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage reports a command-line mistake whose message was already printed.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "bulwark keeps Claude agents answering when the Anthropic API fails.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: bulwark <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'bulwark <command> --help' for the flags of a command.")
}

// newFlagSet returns a flag set that prints its usage to stderr with a
// one-line description of the command.
func newFlagSet(name, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bulwark "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: bulwark %s [flags]\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps a parse error to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintf(stdout, "bulwark %s\n", version)
	return nil
}
