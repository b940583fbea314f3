package bulwark_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestTheSameModelOnAnotherUpstreamAnswersWhileTheDefaultIsDown(t *testing.T) {
	down := newFixture(t, sim.Rule{Model: "*", Status: 529})
	up := newFixture(t)
	g := down.guard(t,
		bulwark.WithUpstream("second", map[string]string{sonnet: "claude-sonnet-5-5-second"},
			option.WithBaseURL(up.url), option.WithAPIKey("sk-second")),
		bulwark.WithChain(sonnet, sonnet+"@second", haiku, "static"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	m, out, err := g.Messages(ctx, params("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Model != sonnet || out.Upstream != "second" || out.Fallback {
		t.Errorf("answered by %s on %q (fallback %v), want %s on second, no fallback", out.Model, out.Upstream, out.Fallback, sonnet)
	}
	if m == nil || up.calls("claude-sonnet-5-5-second") != 1 || up.calls(haiku) != 0 {
		t.Errorf("second upstream saw %d calls of the mapped id, %d of haiku", up.calls("claude-sonnet-5-5-second"), up.calls(haiku))
	}

	s := g.Stream(ctx, params("hello"))
	if text := collect(s); text == "" || s.Err() != nil {
		t.Fatalf("stream: %q, %v", text, s.Err())
	}
	if o := s.Outcome(); o.Upstream != "second" || o.Model != sonnet {
		t.Errorf("stream answered by %s on %q", o.Model, o.Upstream)
	}
}

func TestAChainNamingAnUnknownUpstreamIsRefused(t *testing.T) {
	_, err := bulwark.New(bulwark.WithAPIKey("sk-test"), bulwark.WithBaseURL("http://127.0.0.1:1"),
		bulwark.WithChain(sonnet, sonnet+"@nowhere"))
	if err == nil || !strings.Contains(err.Error(), `"nowhere"`) {
		t.Fatalf("New error %v", err)
	}
}
