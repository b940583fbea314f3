package bench

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"testing"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

// canned answers every round trip with one recorded simulator answer, so a
// handler benchmark measures the handler, not the network or the simulator.
type canned struct {
	status int
	header http.Header
	body   []byte
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    c.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        c.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       req,
	}, nil
}

// record returns the simulator's answer to rq as a canned round tripper.
func record(b *testing.B, rq Request) *canned {
	s := sim.New(sim.WithSeed(1))
	defer s.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/messages", bytes.NewReader(rq.Body))
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("simulator: %d %s", rec.Code, rec.Body)
	}
	return &canned{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
}

// newGateway builds the gateway the way `bulwark serve` does (memory store,
// engine from the default config), with JSON logs formatted and dropped, or
// with no logs at all when quiet.
func newGateway(b *testing.B, rt http.RoundTripper, quiet bool) http.Handler {
	cfg := config.Default()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if quiet {
		log = slog.New(slog.DiscardHandler)
	}
	st := store.NewMemory(store.WithUserLimit(cfg.UserBreaker.Failures, cfg.UserBreaker.Window.Std()),
		store.WithCacheTTL(cfg.Cache.TTL.Std()))
	b.Cleanup(func() { st.Close() })
	g, err := gateway.New(gateway.WithConfig(cfg), gateway.WithUpstream("http://upstream.invalid"),
		gateway.WithEngine(gateway.NewEngine(cfg, log, st, nil)), gateway.WithStore(st), gateway.WithLogger(log),
		gateway.WithTransport(rt))
	if err != nil {
		b.Fatal(err)
	}
	return g.Handler()
}

// BenchmarkHandler serves one Messages request per op, in process, through
// the gateway's handler and through the bare proxy's, each in front of the
// same canned simulator answer: the difference is the gateway's own CPU
// cost per request ("gateway-nolog" leaves out formatting its log lines).
// It has no metrics observer: `bulwark serve` adds one. Profile it with
//
//	go test -run '^$' -bench Handler -cpuprofile cpu.out ./bench/
//	go tool pprof -top -cum bench.test cpu.out
func BenchmarkHandler(b *testing.B) {
	for _, stream := range []bool{false, true} {
		rq := MessagesRequest(primary, stream)
		up := record(b, rq)
		name := "whole"
		if stream {
			name = "stream"
		}
		proxy, err := NewProxy("http://upstream.invalid")
		if err != nil {
			b.Fatal(err)
		}
		proxy.(*httputil.ReverseProxy).Transport = up
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"proxy", proxy}, {"gateway", newGateway(b, up, false)}, {"gateway-nolog", newGateway(b, up, true)}} {
			b.Run(name+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/v1/messages", bytes.NewReader(rq.Body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Anthropic-Version", "2023-06-01")
					req.Header.Set("X-Api-Key", "bench-placeholder-key")
					rec := httptest.NewRecorder()
					h.h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("%s: %d %s", h.name, rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
