package bench

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/config"
)

func TestTheGatewayConfigFilesParse(t *testing.T) {
	for name, y := range map[string]string{"chaos": ChaosConfigYAML, "streams": StreamsConfigYAML, "blip": ChaosBlipConfigYAML} {
		c, err := config.Parse([]byte(y))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "blip" && !reflect.DeepEqual(c.Profiles, config.Default().Profiles) {
			t.Errorf("the blip scenario's profiles %+v are not the shipped defaults", c.Profiles)
		}
		if name == "chaos" {
			p := c.Profiles[config.ProfileInteractive]
			if p.Deadline.Std() != ChaosDeadline || p.AttemptTimeout.Std() != ChaosAttemptTimeout ||
				p.FirstTokenTimeout.Std() != ChaosFirstTokenTimeout || p.IdleTimeout.Std() != ChaosIdleTimeout {
				t.Errorf("chaos profile %+v does not match the constants", p)
			}
		}
	}
}

func TestOverheadRunDrivesEveryStartedProcessThenLeavesNoneBehind(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	ctx := context.Background()
	eps, err := StartStack(ctx, StackConfig{Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 3 || eps[0].Name != Direct || eps[1].Name != Proxied || eps[2].Name != Gateway {
		t.Fatalf("endpoints %+v", eps)
	}
	for _, ep := range eps {
		if err := Preflight(ctx, ep, primary); err != nil {
			t.Fatal(err)
		}
	}
	var progress bytes.Buffer
	rep, err := RunOverhead(ctx, OverheadConfig{
		Endpoints: eps,
		Scenarios: Scenarios([]float64{200}, 4, true),
		Duration:  40 * time.Millisecond,
		Slice:     20 * time.Millisecond,
		Warmup:    -1,
		Progress:  &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Scenarios) != 6 {
		t.Fatalf("%d scenarios, want 3 kinds × streamed or not", len(rep.Scenarios))
	}
	for _, sr := range rep.Scenarios {
		for _, ep := range eps {
			r := sr.Results[ep.Name]
			if r == nil || r.OK == 0 || r.Failed != 0 {
				t.Errorf("%s stream=%v %s: %+v", sr.Scenario.Name, sr.Scenario.Stream, ep.Name, r)
			}
		}
	}
	var out bytes.Buffer
	rep.WriteTables(&out)
	if !strings.Contains(out.String(), "bulwark's own cost") || !strings.Contains(progress.String(), "open 200/s, streamed") {
		t.Errorf("tables:\n%s\nprogress:\n%s", out.String(), progress.String())
	}

	var pids []int
	for _, p := range l.procs {
		pids = append(pids, p.PID())
	}
	if err := l.StopAll(); err != nil {
		t.Errorf("StopAll: %v", err)
	}
	for _, pid := range pids {
		if !gone(pid) {
			t.Errorf("process %d is left over", pid)
		}
	}
}

func TestStartStackUsesTheURLsGivenAndStartsOnlyTheRest(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	sim, err := l.Start(context.Background(), "sim", SimArgs(0)...)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := StartStack(context.Background(), StackConfig{Launcher: l, Want: []string{Proxied, Direct}, DirectURL: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.procs) != 2 || eps[1].URL != sim.URL || eps[0].URL == sim.URL {
		t.Errorf("%d processes, endpoints %+v", len(l.procs), eps)
	}
	if _, err := StartStack(context.Background(), StackConfig{Launcher: l, Want: []string{"nope"}, DirectURL: sim.URL}); err == nil {
		t.Error("an unknown endpoint was accepted")
	}
}

func TestChaosRunReportsUpstreamCallsAndVerdicts(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	var progress bytes.Buffer
	rs, err := RunChaos(context.Background(), ChaosConfig{
		Launcher:  l,
		Duration:  200 * time.Millisecond,
		Rate:      50,
		Scenarios: []string{"primary-down"},
		Progress:  &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Scenario.Name != "healthy" || rs[1].Scenario.Name != "primary-down" {
		t.Fatalf("scenarios run: %d", len(rs))
	}
	h, down := rs[0], rs[1]
	if h.Result.Requests() != 10 || h.Result.OK != 10 || h.Upstream.Requests != 10 || h.CallsPerRequest() != 1 {
		t.Errorf("healthy: %d requests, %d ok, %d upstream", h.Result.Requests(), h.Result.OK, h.Upstream.Requests)
	}
	if down.Result.OK != 10 || down.Result.Outcomes["200 "+fallback] != 10 || len(down.Checks) != 3 {
		t.Errorf("primary-down: outcomes %v upstream %v checks %v", down.Result.Outcomes, down.Upstream.Outcomes(), down.Checks)
	}
	if down.Upstream.Models[primary].Outcomes["status_529"] > 1 {
		t.Errorf("primary-down after warm-up: the open breaker let %d calls through", down.Upstream.Models[primary].Outcomes["status_529"])
	}
	var out bytes.Buffer
	WriteChaosTable(&out, rs)
	if !strings.Contains(out.String(), "| primary-down |") || !strings.Contains(out.String(), "upstream calls/request") {
		t.Errorf("table:\n%s", out.String())
	}
	if _, err := RunChaos(context.Background(), ChaosConfig{Launcher: l, Duration: time.Millisecond, Scenarios: []string{"nope"}}); err == nil {
		t.Error("an unknown scenario was accepted")
	}
}

func TestChaosBlipIsAnsweredByThePrimaryOnItsRetry(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	rs, err := RunChaos(context.Background(), ChaosConfig{Launcher: l, Duration: 1500 * time.Millisecond, Scenarios: []string{"blip"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if n := r.Result.Requests(); n < 2 || r.Result.Outcomes["200 "+primary] != n {
		t.Fatalf("outcomes %v upstream %v", r.Result.Outcomes, r.Upstream.Outcomes())
	}
	if got := r.Upstream.Models[primary].Outcomes["status_529"]; got != r.Result.Requests() {
		t.Errorf("%d 529s for %d requests, want one each", got, r.Result.Requests())
	}
	for _, c := range r.Checks {
		if !c.Met {
			t.Errorf("check failed: %+v", c)
		}
	}
	var out bytes.Buffer
	WriteChaosTable(&out, rs)
	if !strings.Contains(out.String(), "| blip ") || !strings.Contains(out.String(), "failure_ratio: 0.6") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestChaosClassifyTellsHowAStreamEnded(t *testing.T) {
	tests := []struct {
		tail   string
		stream bool
		status int
		label  string
		ok     bool
	}{
		{`{"type":"message"}`, false, 200, "200 m", true},
		{`{"type":"error","error":{"type":"overloaded_error","message":"x"}}`, false, 529, "529 overloaded_error", false},
		{"event: message_stop\ndata: {}\n\n", true, 200, "200 m complete", true},
		{"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"timeout_error\"}}\n\n", true, 200, "200 m error event (timeout_error)", false},
		{"event: content_block_delta\ndata: {}\n\n", true, 200, "200 m cut silently", false},
	}
	for _, tt := range tests {
		a := &Answer{Stream: tt.stream, Tail: []byte(tt.tail), Response: testResponse(tt.status, "m")}
		if v := ChaosClassify(a); v.Label != tt.label || v.OK != tt.ok {
			t.Errorf("%q: %+v, want %q %v", tt.tail, v, tt.label, tt.ok)
		}
	}
	if v := ChaosClassify(&Answer{}); v.Label != "transport error" || v.OK {
		t.Errorf("no response: %+v", v)
	}
}

func TestStreamsRunMeasuresTheGatewayWithStreamsOpen(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	rep, err := RunStreams(context.Background(), StreamsConfig{Launcher: l, N: 20, TokenDelay: 10 * time.Millisecond, Opening: 8, Timeout: 30 * time.Second, Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Completed != 20 || rep.Failed != 0 || rep.Peak < 1 || rep.Peak > 20 || rep.Before.RSS <= 0 || rep.PeakRSS <= 0 || rep.TTFB.Len() != 20 {
		t.Errorf("report %+v", rep)
	}
	var out bytes.Buffer
	WriteStreamsTable(&out, rep)
	if !strings.Contains(out.String(), "| 20    |") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestShortfallReasonNamesTheFileLimit(t *testing.T) {
	r := &StreamsReport{N: 10000, Peak: 9970, SoftLimit: 20000, HardLimit: 20000}
	if s := r.ShortfallReason(); !strings.Contains(s, "RLIMIT_NOFILE of 20000") || !strings.Contains(s, "just under 10000") {
		t.Errorf("%s", s)
	}
	r = &StreamsReport{N: 100, Peak: 60, SoftLimit: 20000, HardLimit: 20000, Ramp: time.Second}
	if s := r.ShortfallReason(); !strings.Contains(s, "--token-delay") {
		t.Errorf("%s", s)
	}
}

func TestParseGoMetricsReadsTheRuntimeFigures(t *testing.T) {
	page := "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 42\n" +
		"go_memstats_heap_inuse_bytes 1.048576e+06\ngo_memstats_stack_inuse_bytes 65536\ngo_threads 7\n"
	m, ok := parseGoMetrics(strings.NewReader(page))
	if !ok || m != (goMetrics{goroutines: 42, heapInuse: 1 << 20, stackInuse: 64 << 10}) {
		t.Errorf("%+v %v", m, ok)
	}
	if _, ok := parseGoMetrics(strings.NewReader("other 1\n")); ok {
		t.Error("a page without the figures was read")
	}
}

func TestTLSStackReachesTheSimulatorOverHTTP2ThroughTheProxyAndTheGateway(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	files, err := WriteTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eps, err := StartStack(ctx, StackConfig{Launcher: l, TLS: files})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(eps[0].URL, "https://") || !strings.HasPrefix(eps[2].URL, "http://") {
		t.Fatalf("endpoints %+v: want the simulator on https, the gateway on http", eps)
	}
	sc := &SimControl{URL: eps[0].URL}
	for _, ep := range eps {
		if err := sc.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if err := Preflight(ctx, ep, primary); err != nil { // one request, one stream
			t.Fatal(err)
		}
		st, err := sc.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"HTTP/2.0": 2} // the proxy and the gateway speak h2 upstream
		if ep.Name == Direct {
			want = map[string]int64{"HTTP/1.1": 2} // the load generator speaks HTTP/1.1 to every target
		}
		if !reflect.DeepEqual(st.Protocols, want) {
			t.Errorf("through %s the simulator saw %v, want %v", ep.Name, st.Protocols, want)
		}
	}
}

func TestStreamsRunOverTLSHoldsOneDescriptorPerStream(t *testing.T) {
	t.Parallel()
	l := testLauncher(t)
	const n = 24
	rep, err := RunStreams(context.Background(), StreamsConfig{Launcher: l, N: n, TokenDelay: 80 * time.Millisecond,
		Opening: n, Timeout: 30 * time.Second, Settle: -1, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Completed != n || rep.UpstreamProtocols["HTTP/2.0"] != n+4 { // and the 4 warm-up streams
		t.Fatalf("completed %d, the simulator saw %v", rep.Completed, rep.UpstreamProtocols)
	}
	// Over HTTP/1.1 each stream would hold its client and its upstream
	// connection: 2 per stream.
	if f := rep.FDsPerStream(); f <= 0 || f > 1.25 {
		t.Errorf("%.2f descriptors per stream (%d with %d open, %d idle), want about 1", f, rep.Loaded.FDs, rep.LoadedOpen, rep.Idle.FDs)
	}
	var out bytes.Buffer
	WriteStreamsTable(&out, rep)
	if !strings.Contains(out.String(), "HTTP/2-over-TLS upstream") || !strings.Contains(out.String(), "HTTP/2.0 28") {
		t.Errorf("table:\n%s", out.String())
	}
}
