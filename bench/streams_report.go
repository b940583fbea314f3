package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// goMetrics are a few of the Go runtime's own figures from a /metrics page.
type goMetrics struct{ goroutines, heapInuse, stackInuse int64 }

// scrapeGoMetrics reads go_goroutines, go_memstats_heap_inuse_bytes and
// go_memstats_stack_inuse_bytes from the gateway's /metrics, when it serves
// them.
func scrapeGoMetrics(ctx context.Context, base string) (goMetrics, bool) {
	var m goMetrics
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second) // a busy gateway with 10,000 streams answers slowly
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return m, false
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return m, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, false
	}
	return parseGoMetrics(io.LimitReader(resp.Body, 8<<20))
}

// parseGoMetrics reads the Prometheus text format for the goMetrics lines.
func parseGoMetrics(r io.Reader) (goMetrics, bool) {
	var m goMetrics
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "go_goroutines":
			dst = &m.goroutines
		case "go_memstats_heap_inuse_bytes":
			dst = &m.heapInuse
		case "go_memstats_stack_inuse_bytes":
			dst = &m.stackInuse
		default:
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			*dst = int64(f)
			found++
		}
	}
	return m, found > 0
}

// WriteStreamsTable prints a streams report, with why fewer streams than
// asked were reached.
func WriteStreamsTable(w io.Writer, r *StreamsReport) {
	up := "HTTP/1.1 upstream"
	if r.TLS {
		up = "HTTP/2-over-TLS upstream"
	}
	t := &Table{
		Title: fmt.Sprintf("Concurrent streams through one gateway process, %s (simulator token delay %v)", up, r.TokenDelay),
		Header: []string{"asked", "peak open", "completed", "failed", "TTFB p50", "TTFB p99", "opening took",
			"gateway RSS before", "RSS at peak", "memory/stream", "goroutines/stream", "descriptors/stream", "§12 targets"},
	}
	perCount := func(v float64) string {
		if v == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f", v)
	}
	t.Add(fmt.Sprint(r.N), fmt.Sprint(r.Peak), fmt.Sprint(r.Completed), fmt.Sprint(r.Failed),
		FormatDuration(r.TTFB.Percentile(50)), FormatDuration(r.TTFB.Percentile(99)), FormatDuration(r.Ramp),
		FormatBytes(float64(r.Before.RSS)), FormatBytes(float64(r.PeakRSS)), FormatBytes(r.PerStream()),
		perCount(r.GoroutinesPerStream()), perCount(r.FDsPerStream()), JoinChecks(r.Checks()))
	t.Notes = append(t.Notes, fmt.Sprintf("- RLIMIT_NOFILE soft %d, hard %d (inherited by the gateway); gateway VmHWM %s.",
		r.SoftLimit, r.HardLimit, FormatBytes(float64(r.HWM))))
	if r.LoadedOpen > 0 {
		n := float64(r.LoadedOpen)
		line := fmt.Sprintf("- With %d streams open: gateway descriptors %d (idle %d)", r.LoadedOpen, r.Loaded.FDs, r.Idle.FDs)
		if r.Loaded.Goroutines > 0 {
			line += fmt.Sprintf(", goroutines %d (idle %d), heap in use %s (%s per stream), goroutine stacks %s (%s per stream)",
				r.Loaded.Goroutines, r.Idle.Goroutines, FormatBytes(float64(r.HeapInuse)), FormatBytes(float64(r.HeapInuse)/n),
				FormatBytes(float64(r.StackInuse)), FormatBytes(float64(r.StackInuse)/n))
		}
		t.Notes = append(t.Notes, line+".")
	}
	if len(r.UpstreamProtocols) > 0 {
		t.Notes = append(t.Notes, "- The simulator saw: "+FormatOutcomes(r.UpstreamProtocols)+".")
	}
	if r.Failed > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("- Failures: %s (first: %s).", FormatOutcomes(r.Failures), r.FirstError))
	}
	if r.Peak < r.N {
		t.Notes = append(t.Notes, "- "+r.ShortfallReason())
	}
	t.Write(w)
}

// ShortfallReason explains why fewer than N streams were open at once.
func (r *StreamsReport) ShortfallReason() string {
	perStream, which := 2, "two file descriptors per stream (the client's connection and its upstream connection)"
	if r.TLS {
		perStream, which = 1, "a file descriptor per stream (the client's connection; the upstream streams share HTTP/2 connections)"
	}
	need := uint64(perStream*r.N + 64)
	if r.SoftLimit > 0 && need > r.SoftLimit {
		return fmt.Sprintf("Only %d of %d streams were open at once: the gateway holds %s, so %d streams need about %d, "+
			"over this machine's RLIMIT_NOFILE of %d (hard limit %d, which only a process with CAP_SYS_RESOURCE may raise); "+
			"the most this machine allows is just under %d.",
			r.Peak, r.N, which, r.N, need, r.SoftLimit, r.HardLimit, r.SoftLimit/uint64(perStream))
	}
	return fmt.Sprintf("Only %d of %d streams were open at once: the earliest streams ended before the last ones opened "+
		"(opening took %v); raise --token-delay, or see the failures above.", r.Peak, r.N, r.Ramp.Round(time.Millisecond))
}
