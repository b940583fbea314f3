package gateway_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/gateway"
)

const benchAnswer = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[{"type":"text","text":"Hello there, this is a short answer."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":9}}`

var benchBody = []byte(`{"model":"claude-sonnet-5-5","max_tokens":256,"system":"You are terse.","messages":[{"role":"user","content":"Say hello in a short sentence, please."}]}`)

// fixedRoundTripper answers every request with the same message, in
// memory, so that a benchmark measures the gateway alone.
type fixedRoundTripper struct{}

func (fixedRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_1"}},
		Body:          io.NopCloser(strings.NewReader(benchAnswer)),
		ContentLength: int64(len(benchAnswer)),
		Request:       r,
	}, nil
}

// BenchmarkHandlerNoNetwork is the gateway's own cost per non-streamed
// request: handler to upstream round tripper and back, no sockets.
func BenchmarkHandlerNoNetwork(b *testing.B) { benchHandler(b, fixedRoundTripper{}) }

// BenchmarkHandlerNoNetworkObserved is the same with an observer, as serve
// runs with its metrics: each answer's usage is read too.
func BenchmarkHandlerNoNetworkObserved(b *testing.B) {
	benchHandler(b, fixedRoundTripper{}, gateway.WithObserver(discardObserver{}))
}

// discardObserver is told about every request and does nothing.
type discardObserver struct{}

func (discardObserver) Completed(*gateway.Completion) {}

// benchHandler measures non-streamed requests through a gateway whose
// upstream is rt, built with opts too.
func benchHandler(b *testing.B, rt http.RoundTripper, opts ...gateway.Option) {
	srv, err := gateway.New(append([]gateway.Option{gateway.WithUpstream("http://upstream.invalid"), gateway.WithAPIKey("k"),
		gateway.WithTransport(rt), gateway.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	b.ReportAllocs()
	rd := bytes.NewReader(nil)
	for b.Loop() {
		rd.Reset(benchBody)
		req := httptest.NewRequest("POST", "/v1/messages", rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Anthropic-Version", "2023-06-01")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Header().Get("Content-Encoding") != "" {
			b.Fatal(w.Code, w.Header(), w.Body.String())
		}
	}
}

// BenchmarkProxy compares the gateway with a bare httputil.ReverseProxy in
// front of the same loopback upstream, one request in flight (DESIGN §12).
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchAnswer)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	bare := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
	defer bare.Close()
	srv, err := gateway.New(gateway.WithUpstream(up.URL), gateway.WithAPIKey("k"),
		gateway.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	gw := httptest.NewServer(srv.Handler())
	defer gw.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, target := range []struct{ name, url string }{{"direct", up.URL}, {"bare", bare.URL}, {"bulwark", gw.URL}} {
		b.Run(target.name, func(b *testing.B) {
			rd := bytes.NewReader(nil)
			for b.Loop() {
				rd.Reset(benchBody)
				req, _ := http.NewRequest("POST", target.url+"/v1/messages", rd)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.StatusCode)
				}
			}
		})
	}
}
