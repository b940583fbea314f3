package redisstore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/store"
)

// converge is the bound DESIGN §6 sets on replicas agreeing.
const converge = time.Second

// logBuf collects a store's log output.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count returns the number of log lines whose message is msg.
func (l *logBuf) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), `"msg":"`+msg+`"`)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// replica is one gateway replica's store with its breaker registry.
type replica struct {
	*Store
	reg  *breaker.Registry
	logs *logBuf
}

// newReplica opens a Store on url named id, with a breaker registry wired as
// the gateway wires it, and closes it at the end of the test.
func newReplica(t *testing.T, url, id string, memOpts ...store.Option) *replica {
	t.Helper()
	logs := &logBuf{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	s, err := New(context.Background(), url, store.NewMemory(memOpts...), WithInstanceID(id), WithLogger(log))
	if err != nil {
		t.Fatalf("New(%s): %v", id, err)
	}
	t.Cleanup(func() { s.Close() })
	reg := breaker.New(breaker.Settings{Failures: 3, OpenFor: 30 * time.Second},
		breaker.WithClock(s.clock),
		breaker.WithOnChange(s.BreakerChanged),
		breaker.WithOnCooldown(s.CooldownStarted),
	)
	s.Attach(reg)
	return &replica{Store: s, reg: reg, logs: logs}
}

// startPair starts a Redis and two replicas on it, both connected.
func startPair(t *testing.T, memOpts ...store.Option) (*redistest.Server, *replica, *replica) {
	t.Helper()
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL, "A", memOpts...)
	b := newReplica(t, srv.URL, "B", memOpts...)
	for _, r := range []*replica{a, b} {
		if h := r.Health(); !h.OK {
			t.Fatalf("replica not connected after New: %+v", h)
		}
	}
	return srv, a, b
}

// within polls cond until it holds or d passes, and returns how long it took.
// Integration tests wait on a real Redis, so they poll real time.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

func refused(r *replica, user string) func() bool {
	return func() bool { ok, _ := r.UserAllowed(user); return !ok }
}

func failN(r *replica, user string, n int) (cut bool) {
	for i := 0; i < n; i++ {
		cut = r.UserFailed(context.Background(), user)
	}
	return cut
}
