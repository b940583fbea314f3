package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a Load.
const (
	// DefaultTimeout bounds one request of a Load: 30 s.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxRequests bounds the requests of one Load.Run: 5,000,000.
	DefaultMaxRequests = 5_000_000
	// tailSize is how many trailing body bytes a worker keeps to judge the
	// end of a response (message_stop, an SSE error event).
	tailSize = 512
)

// Request is what a Load sends: one POST with a fixed body, built once and
// reused for every request.
type Request struct {
	// Path is the request path; default "/v1/messages".
	Path string
	// Body is the request body, sent as is.
	Body []byte
	// Header is sent with every request; default content-type JSON,
	// anthropic-version 2023-06-01 and a placeholder x-api-key.
	Header http.Header
	// Stream tells the load the answer is an SSE stream: it is complete
	// only if it ends with message_stop.
	Stream bool
}

// MessagesRequest returns a Messages API request for model, streamed or not.
func MessagesRequest(model string, stream bool) Request {
	body := fmt.Sprintf(`{"model":%q,"max_tokens":256,"stream":%t,`+
		`"messages":[{"role":"user","content":"Summarise the benchmark in one sentence, please."}]}`, model, stream)
	return Request{Body: []byte(body), Stream: stream}
}

// Shape is how a Load drives its target.
type Shape struct {
	// Rate, when > 0, makes an open loop: requests are scheduled at this
	// many per second whatever the answers do, and each latency counts from
	// its scheduled send time when the request had to wait for a free worker.
	Rate float64
	// Concurrency is the closed loop's number of requests in flight (each
	// sends the next as soon as its answer is read), or the open loop's
	// bound on requests in flight (default: Rate/20, within 32..1024).
	Concurrency int
}

// String names the shape: "c=1", "c=64" or "1000/s".
func (s Shape) String() string {
	if s.Rate > 0 {
		return fmt.Sprintf("%g/s", s.Rate)
	}
	return fmt.Sprintf("c=%d", s.Concurrency)
}

func (s Shape) workers() int {
	if s.Rate <= 0 {
		return max(s.Concurrency, 1)
	}
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return min(max(int(s.Rate/20), 32), 1024)
}

// Verdict is what a Load's Classify says about one answer.
type Verdict struct {
	// Label counts the answer in Result.Outcomes, e.g. "200 claude-haiku-5-5".
	Label string
	// OK counts it as a success (in Result.OK and in the latencies).
	OK bool
}

// Answer is what a Load saw of one request, for Classify.
type Answer struct {
	// Response is the response (its body already read and closed), or nil
	// when the round trip failed.
	Response *http.Response
	// Err is the round trip's or the body read's error.
	Err error
	// Tail holds the last bytes of the body (up to 512).
	Tail []byte
	// Stream is Request.Stream.
	Stream bool
}

// Load sends one Request at a target in a Shape for a while. Its fields are
// read-only once Run has been called; Run may be called many times,
// sequentially or concurrently.
type Load struct {
	// Transport sends every request; default one shared NewClientTransport.
	Transport http.RoundTripper
	// Request is what is sent.
	Request Request
	// Timeout bounds each request; default DefaultTimeout.
	Timeout time.Duration
	// MaxRequests bounds the requests of one Run; default DefaultMaxRequests.
	MaxRequests int64
	// Classify judges an answer; default DefaultClassify.
	Classify func(a *Answer) Verdict

	once sync.Once
}

// DefaultClassify counts a 200 answer read to its end (for a stream, one
// that ends with message_stop) as a success, labelled "ok"; anything else is
// labelled by its status, "transport error" or "stream incomplete".
func DefaultClassify(a *Answer) Verdict {
	switch {
	case a.Response == nil:
		return Verdict{Label: "transport error"}
	case a.Response.StatusCode != http.StatusOK:
		return Verdict{Label: fmt.Sprintf("status %d", a.Response.StatusCode)}
	case a.Err != nil:
		return Verdict{Label: "body cut"}
	case a.Stream && !StreamComplete(a.Tail):
		return Verdict{Label: "stream incomplete"}
	}
	return Verdict{Label: "ok", OK: true}
}

// StreamComplete reports whether an SSE body's tail holds its final
// message_stop event.
func StreamComplete(tail []byte) bool { return bytes.Contains(tail, []byte("message_stop")) }

var sharedTransport = sync.OnceValue(func() *http.Transport { return NewClientTransport() })

// NewClientTransport returns the load generator's transport: keep-alive, no
// proxy, no compression, HTTP/1.1 (over TLS too: a client of the gateway
// speaks HTTP/1.1 to it), enough idle connections per host for every worker
// of a saturation run to keep its connection, and the system roots plus
// LoopbackCert as trusted roots.
func NewClientTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     clientTLSConfig(),
		MaxIdleConns:        0, // no total limit
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

func (l *Load) init() {
	l.once.Do(func() {
		if l.Transport == nil {
			l.Transport = sharedTransport()
		}
		if l.Timeout <= 0 {
			l.Timeout = DefaultTimeout
		}
		if l.MaxRequests <= 0 {
			l.MaxRequests = DefaultMaxRequests
		}
		if l.Classify == nil {
			l.Classify = DefaultClassify
		}
		if l.Request.Path == "" {
			l.Request.Path = "/v1/messages"
		}
		if l.Request.Header == nil {
			l.Request.Header = http.Header{
				"Content-Type":      {"application/json"},
				"Anthropic-Version": {"2023-06-01"},
				"X-Api-Key":         {"bench-placeholder-key"},
			}
		}
	})
}

// Result is what one target answered to a Load, possibly over many runs
// (see Merge).
type Result struct {
	// Latency holds the successful requests' full durations: to the last
	// body byte read.
	Latency Latencies
	// TTFB holds the successful requests' time to the first body byte.
	TTFB Latencies
	// FailLatency holds the failed requests' durations, to the end of
	// their answer (or of the attempt to get one).
	FailLatency Latencies
	// OK and Failed count the requests by Classify's verdict.
	OK, Failed int64
	// Late counts open-loop requests that found every worker busy at their
	// scheduled time (their latency includes the wait).
	Late int64
	// Elapsed is the wall time of the runs, from the first scheduled send
	// to the last answer.
	Elapsed time.Duration
	// Outcomes counts the requests by Classify's label.
	Outcomes map[string]int64
	// FirstError is the first transport or body-read error seen, if any.
	FirstError string
}

// Requests is OK + Failed.
func (r *Result) Requests() int64 { return r.OK + r.Failed }

// Throughput is successful requests per second of Elapsed.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// SuccessRate is OK / Requests, or 0 with no requests.
func (r *Result) SuccessRate() float64 {
	if n := r.Requests(); n > 0 {
		return float64(r.OK) / float64(n)
	}
	return 0
}

// Merge adds o's counts and samples to r.
func (r *Result) Merge(o *Result) {
	r.Latency.Merge(&o.Latency)
	r.TTFB.Merge(&o.TTFB)
	r.FailLatency.Merge(&o.FailLatency)
	r.OK += o.OK
	r.Failed += o.Failed
	r.Late += o.Late
	r.Elapsed += o.Elapsed
	if len(o.Outcomes) > 0 && r.Outcomes == nil {
		r.Outcomes = map[string]int64{}
	}
	for k, v := range o.Outcomes {
		r.Outcomes[k] += v
	}
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
}

// Run drives baseURL (scheme://host:port) with the load in shape for d, then
// waits for the requests in flight (each bounded by Timeout). It stops early
// when ctx is done or MaxRequests were sent.
func (l *Load) Run(ctx context.Context, baseURL string, shape Shape, d time.Duration) (*Result, error) {
	l.init()
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + l.Request.Path)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad target URL %q", baseURL)
	}
	n := shape.workers()
	start := time.Now().Add(time.Millisecond) // the first scheduled send
	end := start.Add(d)
	rctx, cancel := context.WithDeadline(ctx, end.Add(l.Timeout))
	defer cancel()

	var (
		sent  atomic.Int64
		total int64 = l.MaxRequests
	)
	var interval time.Duration
	if shape.Rate > 0 {
		interval = time.Duration(float64(time.Second) / shape.Rate)
		if interval <= 0 {
			return nil, fmt.Errorf("rate %g/s is too high", shape.Rate)
		}
		total = min(total, int64(d/interval))
	}

	workers := make([]*worker, n)
	var wg sync.WaitGroup
	for i := range workers {
		w := newWorker(l, rctx, u)
		workers[i] = w
		wg.Go(func() {
			if shape.Rate > 0 {
				w.open(rctx, &sent, total, start, interval)
			} else {
				w.closed(rctx, &sent, total, start, end)
			}
		})
	}
	wg.Wait()
	res := &Result{}
	last := start
	for _, w := range workers {
		res.Merge(&w.res)
		if w.last.After(last) {
			last = w.last
		}
	}
	res.Elapsed = last.Sub(start)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// worker sends one request at a time, reusing its request and buffers.
type worker struct {
	l    *Load
	req  *http.Request
	body []byte // the request body, sent by a fresh bodyReader each time
	buf  []byte
	tail []byte
	res  Result
	last time.Time // when its last answer was read
}

func newWorker(l *Load, ctx context.Context, u *url.URL) *worker {
	w := &worker{l: l, buf: make([]byte, 32<<10), tail: make([]byte, 0, 2*tailSize)}
	w.res.Outcomes = map[string]int64{}
	w.body = l.Request.Body
	w.req = (&http.Request{
		Method:        http.MethodPost,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        l.Request.Header.Clone(),
		ContentLength: int64(len(l.Request.Body)),
		Host:          u.Host,
	}).WithContext(ctx)
	return w
}

// closed sends back to back from start until end.
func (w *worker) closed(ctx context.Context, sent *atomic.Int64, total int64, start, end time.Time) {
	if d := time.Until(start); d > 0 {
		time.Sleep(d)
	}
	for ctx.Err() == nil && sent.Add(1) <= total {
		from := time.Now()
		if !from.Before(end) {
			return
		}
		w.do(from)
	}
}

// open takes the next scheduled send from the shared ticket counter, sleeps
// until it is due, and sends. A request whose time came while this worker was
// still busy (every worker was) is counted late and timed from its scheduled
// time, so a slow server's queueing shows in the latencies (no coordinated
// omission). One that waited for its time is timed from its actual send, so
// the coarse wake-up of this process's own timers (up to ~1 ms on some
// machines) is not charged to the server.
func (w *worker) open(ctx context.Context, ticket *atomic.Int64, total int64, start time.Time, interval time.Duration) {
	for ctx.Err() == nil {
		i := ticket.Add(1) - 1
		if i >= total {
			return
		}
		at := start.Add(time.Duration(i) * interval)
		from := at
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
			from = time.Now()
		} else {
			w.res.Late++
		}
		w.do(from)
	}
}

// do sends one request and records it, timed from from.
func (w *worker) do(from time.Time) {
	// A shallow copy of the request with a fresh body each time: the
	// transport may still read a request's body after its answer arrived
	// (it resends a request on a new connection when the one it picked
	// turned out dead, from its own goroutine), so neither may be reused
	// while it could (seen under -race). Two small allocations per request.
	req := *w.req
	req.Body = &bodyReader{data: w.body}
	a := Answer{Stream: w.l.Request.Stream}
	resp, err := w.l.Transport.RoundTrip(&req)
	var first time.Time
	w.tail = w.tail[:0]
	if err != nil {
		a.Err = err
		if w.res.FirstError == "" {
			w.res.FirstError = err.Error()
		}
	} else {
		a.Response = resp
		for {
			n, rerr := resp.Body.Read(w.buf)
			if n > 0 {
				if first.IsZero() {
					first = time.Now()
				}
				w.keepTail(w.buf[:n])
			}
			if rerr != nil {
				if rerr != io.EOF {
					a.Err = rerr
					if w.res.FirstError == "" {
						w.res.FirstError = "reading the body: " + rerr.Error()
					}
				}
				break
			}
		}
		resp.Body.Close()
	}
	done := time.Now()
	w.last = done
	if first.IsZero() {
		first = done
	}
	a.Tail = w.tail
	v := w.l.Classify(&a)
	w.res.Outcomes[v.Label]++
	if !v.OK {
		w.res.Failed++
		w.res.FailLatency.Add(done.Sub(from))
		return
	}
	w.res.OK++
	w.res.Latency.Add(done.Sub(from))
	w.res.TTFB.Add(first.Sub(from))
}

// keepTail keeps the last tailSize bytes seen.
func (w *worker) keepTail(p []byte) {
	if len(p) >= tailSize {
		w.tail = append(w.tail[:0], p[len(p)-tailSize:]...)
		return
	}
	if len(w.tail)+len(p) > cap(w.tail) {
		keep := w.tail[len(w.tail)-(tailSize-len(p)):]
		w.tail = append(w.tail[:0], keep...)
	}
	w.tail = append(w.tail, p...)
}

// bodyReader serves a request's body from bytes shared by every request of
// a worker; each request gets its own reader.
type bodyReader struct {
	data []byte
	off  int
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

func (b *bodyReader) Close() error { return nil }
