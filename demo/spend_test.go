package demo

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/catalog"
)

func TestPriceUsage(t *testing.T) {
	prices := catalog.Prices{"claude-haiku-4-5": {Input: 1, Output: 5}}
	haiku := catalog.Usage{InputTokens: 1_000_000, OutputTokens: 200_000}
	sonnet := catalog.Usage{InputTokens: 12_345, OutputTokens: 4_500}
	for _, tc := range []struct {
		name  string
		usage map[string]catalog.Usage
		want  string
	}{
		{"nothing used", nil, "$0"},
		{"a known price", map[string]catalog.Usage{"claude-haiku-4-5": haiku}, "$2.0000"},
		{"an unknown price is never zero", map[string]catalog.Usage{"claude-sonnet-5-5": sonnet},
			"unknown (claude-sonnet-5-5: 12.3k in / 4.5k out tokens)"},
		{"some known, some not", map[string]catalog.Usage{"claude-haiku-4-5": haiku, "claude-sonnet-5-5": sonnet},
			"$2.0000 + unknown (claude-sonnet-5-5: 12.3k in / 4.5k out tokens)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PriceUsage(prices, tc.usage).String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTokensAndDollars(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.0k", 12_345: "12.3k", 4_560_000: "4.56M"} {
		if got := tokens(n); got != want {
			t.Errorf("tokens(%d) = %q, want %q", n, got, want)
		}
	}
	if got := usd(0.01234); got != "$0.0123" {
		t.Errorf("usd = %q", got)
	}
	if got := usd(12.345); got != "$12.35" {
		t.Errorf("usd = %q", got)
	}
}

func TestMeterCountsAnswersAndHandsTheBodyOn(t *testing.T) {
	m := newMeter()
	body := `{"id":"msg_1","model":"claude-haiku-5-5","content":[],"usage":{"input_tokens":12,"output_tokens":30,"cache_read_input_tokens":5}}`
	respond := func(status int, b string) func(*http.Request) (*http.Response, error) {
		return func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(b))}, nil
		}
	}
	req, _ := http.NewRequest("POST", "http://sim/v1/messages", nil)
	for range 2 {
		res, err := m.middleware(req, respond(200, body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		if string(got) != body {
			t.Fatalf("body handed on = %q", got)
		}
	}
	// Errors and other paths are not answers.
	_, _ = m.middleware(req, respond(529, `{"type":"error","error":{"type":"overloaded_error"}}`))
	other, _ := http.NewRequest("POST", "http://sim/v1/messages/count_tokens", nil)
	_, _ = m.middleware(other, respond(200, `{"model":"claude-haiku-5-5","usage":{"input_tokens":1000}}`))
	if _, err := m.middleware(req, func(*http.Request) (*http.Response, error) { return nil, errors.New("reset") }); err == nil {
		t.Fatal("the transport's error was lost")
	}

	got := m.snapshot()
	want := catalog.Usage{InputTokens: 24, OutputTokens: 60, CacheReadInputTokens: 10}
	if len(got) != 1 || got["claude-haiku-5-5"] != want {
		t.Fatalf("usage = %+v, want haiku %+v", got, want)
	}
}

func TestMeterHandsOnAReadError(t *testing.T) {
	m := newMeter()
	req, _ := http.NewRequest("POST", "http://sim/v1/messages", nil)
	cut := errors.New("connection cut")
	res, err := m.middleware(req, func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"model":`), errReader{cut}))}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, rerr := io.ReadAll(res.Body)
	if string(got) != `{"model":` || !errors.Is(rerr, cut) {
		t.Fatalf("read %q, %v; want the partial body and the error", got, rerr)
	}
	if len(m.snapshot()) != 0 {
		t.Fatal("a cut answer was counted")
	}
}
