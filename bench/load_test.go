package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer answers 200 when the body is exactly want, else 400.
func echoServer(t *testing.T, want []byte, stream bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		if !bytes.Equal(body, want) || r.Header.Get("anthropic-version") == "" || r.URL.Path != "/v1/messages" {
			w.WriteHeader(400)
			return
		}
		if stream {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message_start\ndata: {}\n\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, strings.Repeat("event: ping\ndata: {}\n\n", 100)+"event: message_stop\ndata: {}\n\n")
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClosedLoopSendsTheSameBodyBackToBack(t *testing.T) {
	rq := MessagesRequest("m", false)
	srv, n := echoServer(t, rq.Body, false)
	l := &Load{Request: rq, Transport: NewClientTransport()}
	res, err := l.Run(context.Background(), srv.URL, Shape{Concurrency: 3}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK == 0 || res.Failed != 0 || res.OK != n.Load() || int64(res.Latency.Len()) != res.OK || res.Outcomes["ok"] != res.OK {
		t.Fatalf("ok %d failed %d served %d samples %d outcomes %v (%s)", res.OK, res.Failed, n.Load(), res.Latency.Len(), res.Outcomes, res.FirstError)
	}
	if res.Elapsed < 100*time.Millisecond || res.Throughput() <= 0 || res.SuccessRate() != 1 {
		t.Errorf("elapsed %v throughput %v success %v", res.Elapsed, res.Throughput(), res.SuccessRate())
	}
}

func TestClosedLoopStopsAtMaxRequests(t *testing.T) {
	rq := MessagesRequest("m", false)
	srv, n := echoServer(t, rq.Body, false)
	l := &Load{Request: rq, MaxRequests: 7}
	res, _ := l.Run(context.Background(), srv.URL, Shape{Concurrency: 4}, 10*time.Second)
	if res.Requests() != 7 || n.Load() != 7 {
		t.Errorf("%d requests, %d served, want 7", res.Requests(), n.Load())
	}
}

func TestOpenLoopSendsAtItsRate(t *testing.T) {
	rq := MessagesRequest("m", false)
	srv, n := echoServer(t, rq.Body, false)
	l := &Load{Request: rq}
	res, err := l.Run(context.Background(), srv.URL, Shape{Rate: 200}, 250*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests() != 50 || n.Load() != 50 || res.OK != 50 {
		t.Errorf("%d requests (%d ok), %d served; want the 50 scheduled", res.Requests(), res.OK, n.Load())
	}
}

func TestOpenLoopCountsTheWaitForABusyWorker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	// One worker, a request every 5 ms, each answered in 20 ms: the queue
	// grows, and latencies must grow with it.
	l := &Load{Request: MessagesRequest("m", false)}
	res, _ := l.Run(context.Background(), srv.URL, Shape{Rate: 200, Concurrency: 1}, 100*time.Millisecond)
	if res.Late == 0 || res.Latency.Max() < 60*time.Millisecond {
		t.Errorf("late %d, max latency %v: the queueing is not counted", res.Late, res.Latency.Max())
	}
}

func TestStreamsAreTimedToFirstByteAndCheckedForTheirEnd(t *testing.T) {
	rq := MessagesRequest("m", true)
	srv, _ := echoServer(t, rq.Body, true)
	l := &Load{Request: rq}
	res, err := l.Run(context.Background(), srv.URL, Shape{Concurrency: 1}, 50*time.Millisecond)
	if err != nil || res.OK == 0 || res.Failed != 0 {
		t.Fatalf("ok %d failed %d outcomes %v err %v", res.OK, res.Failed, res.Outcomes, err)
	}
	if res.TTFB.Len() != int(res.OK) || res.TTFB.Percentile(50) > res.Latency.Percentile(50) {
		t.Errorf("TTFB p50 %v after full p50 %v", res.TTFB.Percentile(50), res.Latency.Percentile(50))
	}

	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "event: message_start\ndata: {}\n\n")
	}))
	defer cut.Close()
	res, _ = l.Run(context.Background(), cut.URL, Shape{Concurrency: 1}, 20*time.Millisecond)
	if res.OK != 0 || res.Outcomes["stream incomplete"] != res.Failed || res.FailLatency.Len() != int(res.Failed) {
		t.Errorf("a stream without message_stop: ok %d outcomes %v", res.OK, res.Outcomes)
	}
}

func TestFailuresAreLabelledAndTransportErrorsKept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(529) }))
	defer srv.Close()
	l := &Load{Request: MessagesRequest("m", false)}
	res, _ := l.Run(context.Background(), srv.URL, Shape{Concurrency: 1}, 20*time.Millisecond)
	if res.OK != 0 || res.Failed == 0 || res.Outcomes["status 529"] != res.Failed {
		t.Errorf("outcomes %v", res.Outcomes)
	}
	srv.Close()
	res, _ = l.Run(context.Background(), srv.URL, Shape{Concurrency: 1}, 20*time.Millisecond)
	if res.Outcomes["transport error"] == 0 || res.FirstError == "" {
		t.Errorf("closed server: outcomes %v first error %q", res.Outcomes, res.FirstError)
	}
	if _, err := l.Run(context.Background(), "not a url", Shape{Concurrency: 1}, time.Millisecond); err == nil {
		t.Error("Run accepted a bad URL")
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server see the client go away
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	l := &Load{Request: MessagesRequest("m", false)}
	if _, err := l.Run(ctx, srv.URL, Shape{Concurrency: 2}, 10*time.Second); err == nil {
		t.Error("no error after the context ended")
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("Run took %v after its context ended", time.Since(start))
	}
}

func TestKeepTailKeepsTheLastBytes(t *testing.T) {
	w := &worker{tail: make([]byte, 0, 2*tailSize)}
	var all []byte
	for i := range 300 {
		chunk := bytes.Repeat([]byte{byte('a' + i%26)}, i%7+1)
		all = append(all, chunk...)
		w.keepTail(chunk)
		want := all[max(0, len(all)-tailSize):]
		if !bytes.HasSuffix(w.tail, want) || len(w.tail) > 2*tailSize {
			t.Fatalf("after %d chunks the tail is not the last bytes", i+1)
		}
	}
	w.keepTail(bytes.Repeat([]byte("z"), 3*tailSize))
	if len(w.tail) != tailSize || w.tail[0] != 'z' {
		t.Errorf("a big chunk: tail len %d", len(w.tail))
	}
}

func TestShapeNamesAndWorkers(t *testing.T) {
	tests := []struct {
		s       Shape
		name    string
		workers int
	}{
		{Shape{Concurrency: 1}, "c=1", 1},
		{Shape{}, "c=0", 1},
		{Shape{Rate: 1000}, "1000/s", 50},
		{Shape{Rate: 100}, "100/s", 32},
		{Shape{Rate: 1e6}, "1e+06/s", 1024},
		{Shape{Rate: 100, Concurrency: 7}, "100/s", 7},
	}
	for _, tt := range tests {
		if tt.s.String() != tt.name || tt.s.workers() != tt.workers {
			t.Errorf("%+v: %q %d, want %q %d", tt.s, tt.s.String(), tt.s.workers(), tt.name, tt.workers)
		}
	}
}

func testResponse(status int, model string) *http.Response {
	h := http.Header{}
	h.Set("bulwark-model-used", model)
	return &http.Response{StatusCode: status, Header: h}
}
