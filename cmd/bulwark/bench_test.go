package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/bench"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestBenchUsageAndUnknownSubcommands(t *testing.T) {
	tests := []struct {
		args []string
		want error
		out  string
	}{
		{nil, errUsage, "Usage: bulwark bench"},
		{[]string{"--help"}, nil, "overhead"},
		{[]string{"nope"}, errUsage, `unknown bench "nope"`},
		{[]string{"overhead", "--help"}, flag.ErrHelp, "-rates"},
		{[]string{"overhead", "--rates", "500,x"}, errUsage, `"x" is not a rate`},
		{[]string{"overhead", "--rates", "-5"}, errUsage, "is not a rate"},
		{[]string{"overhead", "--duration", "0s"}, errUsage, "--duration and --slice must be positive"},
		{[]string{"overhead", "--concurrency", "0"}, errUsage, "--concurrency must be at least 1"},
		{[]string{"overhead", "--targets", "direct,bogus"}, errUsage, `unknown target "bogus"`},
		{[]string{"overhead", "--targets", ","}, errUsage, "names no target"},
		{[]string{"overhead", "extra"}, errUsage, `unexpected argument "extra"`},
		{[]string{"chaos", "--rate", "0"}, errUsage, "--rate between"},
		{[]string{"chaos", "--bogus"}, errUsage, "flag provided but not defined"},
		{[]string{"streams", "--n", "0"}, errUsage, "--n must be"},
		{[]string{"streams", "--help"}, flag.ErrHelp, "-token-delay"},
		{[]string{"proxy"}, errUsage, "--upstream is required"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := runBench(context.Background(), tt.args, &out, &out)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || !strings.Contains(out.String(), tt.out) {
			t.Errorf("bench %q: err %v, output %q; want %v and %q", tt.args, err, out.String(), tt.want, tt.out)
		}
	}
}

func TestParseRatesAndLists(t *testing.T) {
	rs, err := parseRates(" 500, 1000,,2000 ")
	if err != nil || !reflect.DeepEqual(rs, []float64{500, 1000, 2000}) {
		t.Errorf("parseRates = %v, %v", rs, err)
	}
	if rs, err := parseRates(""); err != nil || len(rs) != 0 {
		t.Errorf(`parseRates("") = %v, %v`, rs, err)
	}
	if got := splitList("a, b,,c "); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("splitList = %q", got)
	}
}

// TestBenchOverheadTargetsTheURLsGiven runs a tiny overhead bench against
// servers of this process: the simulator directly, and two bare proxies in
// front of it standing for the proxy and the gateway.
func TestBenchOverheadTargetsTheURLsGiven(t *testing.T) {
	_, simURL, stop, err := sim.Start(sim.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var servers []*httptest.Server
	for range 2 {
		h, err := bench.NewProxy(simURL)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		servers = append(servers, srv)
	}
	var out, errOut bytes.Buffer
	err = runBench(context.Background(), []string{"overhead", "--duration", "40ms", "--slice", "20ms", "--warmup", "0",
		"--rates", "300", "--concurrency", "2", "--direct", simURL, "--proxy", servers[0].URL, "--gateway", servers[1].URL}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, s := range []string{"Machine: ", "Command: `bulwark bench overhead --duration 40ms", "| open 300/s", "bulwark's own cost", "§12 target"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "gateway at "+servers[1].URL) {
		t.Errorf("progress:\n%s", errOut.String())
	}
}

func TestBenchOverheadFailsWhenATargetDoesNotAnswer(t *testing.T) {
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }))
	defer dead.Close()
	var out bytes.Buffer
	err := runBench(context.Background(), []string{"overhead", "--targets", "direct", "--direct", dead.URL, "--duration", "10ms"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "preflight") {
		t.Errorf("err %v", err)
	}
}

func TestBenchProxyServesUntilCancelled(t *testing.T) {
	_, simURL, stop, err := sim.Start(sim.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runBench(ctx, []string{"proxy", "--upstream", simURL, "--addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	if err := bench.Preflight(ctx, bench.Endpoint{Name: "proxy", URL: url}, "claude-sonnet-5-5"); err != nil {
		t.Error(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("bench proxy returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bench proxy did not stop")
	}
}
