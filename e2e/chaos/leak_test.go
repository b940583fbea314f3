package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// TestThousandCancelledStreamsLeaveNothingBehind has clients cancel 1,000
// streams, 32 at a time: half right after their first token (the stream is
// committed and flowing), half 10 ms after sending, while the upstream is
// still thinking (30 ms of latency). Afterwards no goroutine is left in the
// process and no connection to the simulator is open once the idle ones are
// closed; no cancelled request was retried.
func TestThousandCancelledStreamsLeaveNothingBehind(t *testing.T) {
	const (
		streams     = 1000
		concurrency = 32
	)
	p := startInProc(t, []sim.Option{
		sim.WithTokenDelay(10 * time.Millisecond),
		sim.WithRules([]sim.Rule{{Model: "*", Latency: sim.Duration(30 * time.Millisecond)}}),
	}, patient())
	c := newClient(concurrency)
	defer c.CloseIdleConnections()

	// Warm up with one whole stream, then take the baseline.
	if a := send(context.Background(), c, p.gwURL+"/v1/messages", messageBody(primary, "warm up", 16, true), true); check(a) != nil || a.kind != "stream" {
		t.Fatalf("warm-up: %v %s", check(a), a)
	}
	c.CloseIdleConnections()
	p.tr.CloseIdleConnections()
	eventually(t, 3*time.Second, func() string { return "the simulator's connections stay open" },
		func() bool { return p.simLn.open.Load() == 0 })
	baseline := runtime.NumGoroutine()
	calls := p.sim.Stats().Requests

	var afterToken, beforeAnswer atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				committed, err := cancelOne(c, p.gwURL, i)
				switch {
				case err != nil:
					t.Errorf("stream %d: %v", i, err)
				case committed:
					afterToken.Add(1)
				default:
					beforeAnswer.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	for i := range streams {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	t.Logf("%d streams cancelled in %v (%d after their first token, %d before any answer); %d upstream connections still open, %d accepted",
		streams, time.Since(start).Round(time.Millisecond), afterToken.Load(), beforeAnswer.Load(), p.simLn.open.Load(), p.simLn.accepted.Load())

	// Idle keep-alive connections are the only ones that may remain: once
	// they are closed, none is open.
	c.CloseIdleConnections()
	p.tr.CloseIdleConnections()
	eventually(t, 3*time.Second, func() string {
		return "upstream connections still open: " + itoa(p.simLn.open.Load())
	}, func() bool {
		p.tr.CloseIdleConnections()
		return p.simLn.open.Load() == 0
	})
	p.settle(t, c, baseline)
	if n := p.sim.Stats().Requests - calls; n > streams {
		t.Errorf("%d upstream calls for %d cancelled streams: a cancelled request was retried", n, streams)
	}
	// Every request the gateway saw was logged once: a committed stream as
	// client_gone (or complete, when a loaded machine let the whole stream
	// out before the hang-up reached it), the others as client_closed
	// (499). A client may hang up before its request is even read (not
	// logged) or just as its stream was committed (logged committed).
	lines := func() (committed, closed, other int) {
		for _, line := range strings.Split(p.logs.String(), "\n") {
			switch {
			case !strings.Contains(line, `"msg":"agent.request_complete"`):
			case strings.Contains(line, `"stream_end":"client_gone"`), strings.Contains(line, `"stream_end":"complete"`):
				committed++
			case strings.Contains(line, `"status":499`):
				closed++
			default:
				other++
				t.Errorf("a cancelled stream ended otherwise: %s", line)
			}
		}
		return
	}
	eventually(t, 2*time.Second, func() string {
		c, cl, o := lines()
		return fmt.Sprintf("%d committed streams logged, %d closed, %d other; want at least %d committed, at most %d in all",
			c, cl, o, afterToken.Load()+1, streams+1)
	}, func() bool {
		c, cl, o := lines()
		return int64(c) >= afterToken.Load()+1 && c+cl+o <= streams+1 // the warm-up too
	})
}

// cancelOne sends stream i and cancels it: even ones after the first
// content_block_delta, odd ones 10 ms after sending. It reports whether the
// stream was committed (answered 200) when it was cancelled.
func cancelOne(c *http.Client, url string, i int) (bool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if i%2 == 1 {
		t := time.AfterFunc(10*time.Millisecond, cancel)
		defer t.Stop()
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/messages",
		strings.NewReader(messageBody(primary, "stream "+itoa(int64(i)), 64, true)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		if i%2 == 1 && errors.Is(err, context.Canceled) {
			return false, nil
		}
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return false, fmt.Errorf("status %d", resp.StatusCode)
	}
	// A late timer on a loaded machine may let an odd one get this far: it
	// is then cancelled here, like the even ones.
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return false, errors.New("no first token: " + err.Error())
		}
		if strings.HasPrefix(line, "event: content_block_delta") {
			cancel()
			return true, nil
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
