package chaos

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// Server limits of the gateway under test: small, so that the tests are
// quick.
const (
	readHeaderTimeout = 300 * time.Millisecond
	maxBody           = 1 << 20
	// maxHeaderBytes is net/http's default and the gateway's; the server
	// reads up to 4 KiB more before it answers 431.
	maxHeaderBytes = 1 << 20
	// hangUpBound is how soon after a client hangs up its upstream call
	// must be gone ("at once"; the attempt timeouts are 10 s).
	hangUpBound = 150 * time.Millisecond
)

// badInput is one kind of bad client and the check of what it got.
type badInput struct {
	name string
	run  func(t *testing.T, p *inproc, c *http.Client)
}

// TestBadInputGetsAClearAnswerAndLeavesTheGatewayHealthy sends the gateway
// malformed, oversized, slow, huge and truncated requests, unknown paths and
// methods, and clients that hang up. Each gets an Anthropic-shaped error or
// a clean close; after each, /healthz answers and the goroutine count is
// back to what it was.
func TestBadInputGetsAClearAnswerAndLeavesTheGatewayHealthy(t *testing.T) {
	p := startInProc(t,
		[]sim.Option{sim.WithTokenDelay(10 * time.Millisecond), sim.WithRules([]sim.Rule{{Model: "claude-hangs", Hang: true}})},
		gateway.WithServerTimeouts(readHeaderTimeout, 5*time.Second, 5*time.Second),
		gateway.WithMaxBodyBytes(maxBody),
		// Long timeouts: an upstream call that ends soon after its client
		// hung up ended because of it.
		patient())
	c := newClient(4)
	defer c.CloseIdleConnections()

	// Warm up: one good answer of each kind, so that lazily started
	// goroutines (none expected) are in the baseline.
	for _, stream := range []bool{false, true} {
		a := send(context.Background(), c, p.gwURL+"/v1/messages", messageBody(primary, "warm up", 8, stream), stream)
		if err := check(a); err != nil || a.status != 200 {
			t.Fatalf("warm-up: %v %s", err, a)
		}
	}
	p.healthy(t, c)
	c.CloseIdleConnections()
	p.tr.CloseIdleConnections()
	baseline := 0
	eventually(t, 3*time.Second, func() string { return "goroutines never settled" }, func() bool {
		n := runtime.NumGoroutine()
		settled := n == baseline
		baseline = n
		time.Sleep(20 * time.Millisecond) // two equal readings 20 ms apart
		return settled
	})

	for _, bi := range badInputs {
		t.Run(bi.name, func(t *testing.T) { bi.run(t, p, c) })
		p.healthy(t, c)
		p.settle(t, c, baseline)
	}
	if n := p.sim.Stats().Models["claude-sonnet-5-5"].Outcomes["invalid"]; n == 0 {
		t.Error("no bad body reached the simulator: the wrong-type cases must be the upstream's to judge")
	}
}

var badInputs = []badInput{
	messagesError("malformed JSON", `{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"hi"}`, 400, "invalid_request_error", "not valid JSON"),
	messagesError("truncated in a string", `{"model":"claude-son`, 400, "invalid_request_error", "not valid JSON"),
	messagesError("trailing garbage", `{"model":"claude-sonnet-5-5","messages":[]} {}`, 400, "invalid_request_error", "not valid JSON"),
	messagesError("empty body", ``, 400, "invalid_request_error", ""),
	messagesError("invalid UTF-8", "{\"model\":\"claude-sonnet-5-5\xff\",\"max_tokens\":8,\"messages\":[]}", 400, "invalid_request_error", ""),
	messagesError("model is null", `{"model":null,"max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "model"),
	messagesError("model is a list", `{"model":["claude-sonnet-5-5"],"max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "model"),
	messagesError("model is an object", `{"model":{"name":"claude-sonnet-5-5"},"max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "model"),
	messagesError("model is true", `{"model":true,"max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "model"),
	messagesError("model given twice", `{"model":"claude-sonnet-5-5","model":"claude-haiku-5-5","max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "model"),
	// Wrong types the gateway does not look at are the upstream's to judge:
	// its 400 comes back as it is, after one call.
	messagesError("max_tokens and messages of the wrong types", `{"model":"claude-sonnet-5-5","max_tokens":"many","messages":"hi"}`, 400, "invalid_request_error", "max_tokens"),
	// The gateway's own checks (DESIGN §7): no upstream call.
	messagesError("model with control bytes", `{"model":"claude\u0000\r\n","max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "printable ASCII"),
	messagesError("model of 20 KB", `{"model":"`+strings.Repeat("m", 20<<10)+`","max_tokens":8,"messages":[]}`, 400, "invalid_request_error", "at most 256 bytes"),
	messagesError("stream is not a boolean", `{"model":"claude-sonnet-5-5","max_tokens":8,"stream":"yes","messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error", "stream"),
	messagesError("deeply nested", `{"model":"claude-sonnet-5-5","max_tokens":8,"messages":`+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+`}`, 400, "invalid_request_error", ""),
	{"body over the limit, with its length", func(t *testing.T, p *inproc, c *http.Client) {
		body := `{"model":"claude-sonnet-5-5","max_tokens":8,"messages":[{"role":"user","content":"` + strings.Repeat("a", maxBody) + `"}]}`
		a := send(context.Background(), c, p.gwURL+"/v1/messages", body, false)
		wantError(t, a, 413, "request_too_large", "")
	}},
	{"body over the limit, chunked", func(t *testing.T, p *inproc, c *http.Client) {
		body := io.MultiReader(strings.NewReader(`{"model":"claude-sonnet-5-5","messages":[{"content":"`),
			strings.NewReader(strings.Repeat("a", 2*maxBody)), strings.NewReader(`"}]}`))
		req, _ := http.NewRequest(http.MethodPost, p.gwURL+"/v1/messages", body) // no length: chunked
		resp, err := c.Do(req)
		if err != nil {
			// The gateway may answer and close before the client is done
			// sending; that is a clean close too.
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		wantError(t, &answer{status: resp.StatusCode, header: resp.Header, body: b}, 413, "request_too_large", "")
	}},
	{"body shorter than its Content-Length", func(t *testing.T, p *inproc, c *http.Client) {
		conn := dial(t, p)
		_, _ = io.WriteString(conn, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
		_ = conn.(*net.TCPConn).CloseWrite()
		wantError(t, readAnswer(t, conn), 400, "invalid_request_error", "could not read the request body")
	}},
	{"slowloris: headers a byte at a time", func(t *testing.T, p *inproc, c *http.Client) {
		conn := dial(t, p)
		start := time.Now()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			head := "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: " + strings.Repeat("a", 1000)
			for i := range len(head) {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{head[i]}); err != nil {
					return
				}
			}
		}()
		b, err := io.ReadAll(conn) // until the gateway closes it
		took := time.Since(start)
		if err != nil && !isReset(err) {
			t.Fatalf("read: %v", err)
		}
		// net/http closes (or answers 400/408) when the header timeout
		// strikes; nothing reaches the handlers.
		if len(b) > 0 && !strings.HasPrefix(string(b), "HTTP/1.1 400") && !strings.HasPrefix(string(b), "HTTP/1.1 408") {
			t.Fatalf("answer to a slow client: %q", b)
		}
		if took < readHeaderTimeout-50*time.Millisecond || took > readHeaderTimeout+time.Second {
			t.Fatalf("closed after %v, ReadHeaderTimeout %v", took, readHeaderTimeout)
		}
	}},
	{"headers over MaxHeaderBytes", func(t *testing.T, p *inproc, c *http.Client) {
		conn := dial(t, p)
		go func() {
			_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", maxHeaderBytes+8<<10)+"\r\n\r\n")
		}()
		wantError(t, readAnswer(t, conn), http.StatusRequestHeaderFieldsTooLarge, "request_too_large", "headers")
	}},
	{"not HTTP", func(t *testing.T, p *inproc, c *http.Client) {
		conn := dial(t, p)
		_, _ = io.WriteString(conn, "HELLO THERE\r\n\r\n")
		wantError(t, readAnswer(t, conn), 400, "invalid_request_error", "could not be read")
	}},
	{"unknown path", func(t *testing.T, p *inproc, c *http.Client) {
		wantError(t, do(t, c, http.MethodGet, p.gwURL+"/v2/messages", ""), 404, "not_found_error", "/v2/messages")
	}},
	{"unknown method on a gateway path", func(t *testing.T, p *inproc, c *http.Client) {
		wantError(t, do(t, c, http.MethodDelete, p.gwURL+"/healthz", ""), 404, "not_found_error", "")
	}},
	{"unknown method on the Messages API", func(t *testing.T, p *inproc, c *http.Client) {
		// The gateway answers it itself: never forwarded upstream with the key.
		before := p.sim.Stats().Requests
		a := do(t, c, http.MethodPut, p.gwURL+"/v1/messages", messageBody(primary, "hi", 8, false))
		wantError(t, a, 405, "invalid_request_error", "not allowed")
		if n := p.sim.Stats().Requests - before; n != 0 {
			t.Fatalf("%d upstream calls for a PUT on /v1/messages", n)
		}
	}},
	{"client hangs up mid-stream", func(t *testing.T, p *inproc, c *http.Client) {
		p.tr.CloseIdleConnections()
		eventually(t, time.Second, func() string { return "idle connections to the simulator stay open" },
			func() bool { return p.simLn.open.Load() == 0 })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.gwURL+"/v1/messages",
			strings.NewReader(messageBody(primary, "a long answer please", 400, true)))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended before its first token: %v", err)
			}
			if strings.HasPrefix(line, "event: content_block_delta") {
				break
			}
		}
		if n := p.simLn.open.Load(); n != 1 {
			t.Fatalf("%d connections to the simulator during the stream, want 1", n)
		}
		hungUp := time.Now()
		cancel()
		resp.Body.Close()
		eventually(t, time.Second, func() string { return "the upstream connection of the stream stays open" },
			func() bool { return p.simLn.open.Load() == 0 })
		if d := time.Since(hungUp); d > hangUpBound {
			t.Fatalf("the simulator saw the connection close %v after the client hung up", d)
		}
		eventually(t, time.Second, func() string { return "no client_gone log line:\n" + p.logs.String() },
			func() bool { return strings.Contains(p.logs.String(), `"stream_end":"client_gone"`) })
	}},
	{"client hangs up before the answer", func(t *testing.T, p *inproc, c *http.Client) {
		p.tr.CloseIdleConnections()
		eventually(t, time.Second, func() string { return "idle connections to the simulator stay open" },
			func() bool { return p.simLn.open.Load() == 0 })
		before := p.sim.Stats().Models["claude-hangs"].Requests
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.gwURL+"/v1/messages",
				strings.NewReader(messageBody("claude-hangs", "hi", 8, false)))
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		eventually(t, time.Second, func() string { return "the request never reached the simulator" },
			func() bool { return p.sim.Stats().Models["claude-hangs"].Requests > before })
		hungUp := time.Now()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("client: %v", err)
		}
		eventually(t, time.Second, func() string { return "the hung upstream call was not cancelled" },
			func() bool { return p.simLn.open.Load() == 0 })
		if d := time.Since(hungUp); d > hangUpBound {
			t.Fatalf("the upstream call ended %v after the client hung up", d)
		}
		eventually(t, time.Second, func() string { return "the request never finished" }, func() bool {
			return strings.Contains(p.logs.String(), `"model":"claude-hangs","model_used":"","fallback":false,"attempts":1,"status":499`)
		})
		if n := p.sim.Stats().Models["claude-hangs"].Requests - before; n != 1 {
			t.Fatalf("%d upstream calls for a request whose client went away", n)
		}
	}},
}

// messagesError is a case that posts body to /v1/messages and wants an
// Anthropic error.
func messagesError(name, body string, status int, errType, msgPart string) badInput {
	return badInput{name, func(t *testing.T, p *inproc, c *http.Client) {
		wantError(t, do(t, c, http.MethodPost, p.gwURL+"/v1/messages", body), status, errType, msgPart)
	}}
}

func do(t *testing.T, c *http.Client, method, url, body string) *answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// wantError checks an Anthropic-shaped error with status and type whose
// message contains msgPart.
func wantError(t *testing.T, a *answer, status int, errType, msgPart string) {
	t.Helper()
	typ, err := checkError(a.body)
	if err != nil || a.status != status || typ != errType || !strings.Contains(string(a.body), msgPart) {
		t.Fatalf("want %d %s with %q: %v %s", status, errType, msgPart, err, a)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content-type %q", ct)
	}
}

// readAnswer reads one HTTP answer from conn.
func readAnswer(t *testing.T, conn net.Conn) *answer {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func dial(t *testing.T, p *inproc) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", p.gwAddr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { conn.Close() })
	return conn
}

func isReset(err error) bool {
	return errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection reset")
}
