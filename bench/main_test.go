package bench

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// childRole makes the test binary act as the bulwark executable for the
// Launcher tests: "sim ...", "serve ..." and "bench proxy ..." with the
// flags bench passes.
const childRole = "BULWARK_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childRole) == "1" {
		os.Exit(testChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testLauncher returns a Launcher that runs this test binary as the child
// and stops every child when the test ends.
func testLauncher(t *testing.T) *Launcher {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l := &Launcher{Exe: exe, Env: []string{childRole + "=1", "GORACE=atexit_sleep_ms=0"}, LogDir: t.TempDir(), StartTimeout: 10 * time.Second}
	t.Cleanup(func() {
		if err := l.StopAll(); err != nil {
			t.Errorf("StopAll: %v", err)
		}
	})
	return l
}

func testChild(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if len(args) > 1 && args[0] == "bench" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "test child: no role")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "")
	upstream := fs.String("upstream", "", "")
	cfgFile := fs.String("config", "", "")
	seed := fs.Int64("seed", 1, "")
	delay := fs.Duration("token-delay", 0, "")
	tlsCert := fs.String("tls-cert", "", "")
	tlsKey := fs.String("tls-key", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var h http.Handler
	switch args[0] {
	case "proxy":
		if err := ServeProxy(ctx, *addr, *upstream, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "sim":
		s := sim.New(sim.WithSeed(*seed), sim.WithTokenDelay(*delay))
		defer s.Close()
		h = s
	case "serve":
		cfg := config.Default()
		if *cfgFile != "" {
			var err error
			if cfg, err = config.Load(*cfgFile); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		g, err := gateway.New(gateway.WithConfig(cfg), gateway.WithUpstream(*upstream), gateway.WithEngine(gateway.NewEngine(cfg, nil, nil, nil)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		h = g.Handler()
	case "bad-line": // prints something other than "listening on"
		fmt.Println("hello")
		<-ctx.Done()
		return 0
	case "silent": // never prints
		<-ctx.Done()
		return 0
	case "stubborn": // ignores SIGTERM
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("listening on http://127.0.0.1:1")
		time.Sleep(time.Minute)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "test child: unknown role %q\n", args[0])
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if *tlsCert != "" {
		fmt.Printf("listening on https://%s\n", ln.Addr())
		go func() { _ = hs.ServeTLS(ln, *tlsCert, *tlsKey) }()
	} else {
		fmt.Printf("listening on http://%s\n", ln.Addr())
		go func() { _ = hs.Serve(ln) }()
	}
	<-ctx.Done()
	if c, ok := h.(interface{ Close() }); ok {
		c.Close()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if hs.Shutdown(sctx) != nil {
		_ = hs.Close()
	}
	return 0
}
