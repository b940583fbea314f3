package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestOfficialGoSDKThroughTheGatewayWhileThePrimaryFails(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Status: 529})
	g := startGateway(t, up)
	c := anthropic.NewClient(option.WithBaseURL(g.url), option.WithAPIKey("sk-client"), option.WithMaxRetries(0))
	params := anthropic.MessageNewParams{
		Model:     sonnet,
		MaxTokens: 128,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("say hello"))},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var raw *http.Response
	msg, err := c.Messages.New(ctx, params, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.Model) != haiku || len(msg.Content) == 0 || msg.Content[0].Text == "" || raw.Header.Get("bulwark-fallback") != "true" {
		t.Fatalf("message %+v, headers %v", msg, raw.Header)
	}

	// The primary now fails its streams before the first token.
	s.SetRules([]sim.Rule{{Model: sonnet, StreamError: true, ErrorType: "overloaded_error"}})
	stream := c.Messages.NewStreaming(ctx, params)
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if string(acc.Model) != haiku || len(acc.Content) == 0 || acc.Content[0].Text != msg.Content[0].Text {
		t.Fatalf("streamed %+v, want the text %q", acc, msg.Content[0].Text)
	}

	// Every tier down: the SDK sees a typed API error it understands.
	s.SetRules([]sim.Rule{{Model: "*", Status: 529}})
	_, err = c.Messages.New(ctx, params)
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 || apiErr.Type() != "overloaded_error" {
		t.Fatalf("err = %v", err)
	}
}

const tsScript = `
import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic({ baseURL: process.env.GATEWAY, apiKey: 'sk-client', maxRetries: 0 });
const params = { model: 'claude-sonnet-5-5', max_tokens: 128, messages: [{ role: 'user', content: 'say hello' }] };
const { data: msg, response } = await client.messages.create(params).withResponse();
const stream = client.messages.stream(params);
const final = await stream.finalMessage();
let failed = null;
process.env.FAIL_ALL && await fetch(process.env.SIM + '/_sim/faults', { method: 'PUT', body: JSON.stringify({ rules: [{ model: '*', status: 529 }] }) });
try { await client.messages.create(params); } catch (e) { failed = { status: e.status, type: e.error?.error?.type, name: e.constructor.name }; }
console.log(JSON.stringify({
  created: { model: msg.model, text: msg.content[0].text, fallback: response.headers.get('bulwark-fallback') },
  streamed: { model: final.model, text: final.content[0].text, stop: final.stop_reason },
  failed,
}));
`

func TestOfficialTypeScriptSDKThroughTheGateway(t *testing.T) {
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if nerr != nil || perr != nil {
		t.Skip("node and npm are needed to drive the TypeScript SDK; install Node.js to run this test")
	}
	dir := t.TempDir()
	install := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "@anthropic-ai/sdk")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install @anthropic-ai/sdk: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "client.mjs"), []byte(tsScript), 0o644); err != nil {
		t.Fatal(err)
	}

	_, up := startSim(t, sim.Rule{Model: sonnet, Status: 529}, sim.Rule{Model: sonnet, StreamError: true})
	g := startGateway(t, up)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, node, "client.mjs")
	run.Dir = dir
	run.Env = append(os.Environ(), "GATEWAY="+g.url, "SIM="+up, "FAIL_ALL=1")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got struct {
		Created  struct{ Model, Text, Fallback string }
		Streamed struct{ Model, Text, Stop string }
		Failed   *struct {
			Status     int
			Type, Name string
		}
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if got.Created.Model != haiku || got.Created.Text == "" || got.Created.Fallback != "true" {
		t.Errorf("messages.create: %+v", got.Created)
	}
	if got.Streamed.Model != haiku || got.Streamed.Text != got.Created.Text || got.Streamed.Stop != "end_turn" {
		t.Errorf("messages.stream: %+v", got.Streamed)
	}
	if got.Failed == nil || got.Failed.Status != 529 || got.Failed.Type != "overloaded_error" {
		t.Errorf("every tier down: %+v", got.Failed)
	}
}

func TestOfficialGoSDKWithDefaultRetriesSendsOneRequestWhenEveryTierFailed(t *testing.T) {
	msgs := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("say hello"))}
	create := func(ctx context.Context, c anthropic.Client) error {
		_, err := c.Messages.New(ctx, anthropic.MessageNewParams{Model: sonnet, MaxTokens: 16, Messages: msgs})
		return err
	}
	count := func(ctx context.Context, c anthropic.Client) error {
		_, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: sonnet, Messages: msgs})
		return err
	}
	for _, tt := range []struct {
		name    string
		rules   []sim.Rule
		do      func(context.Context, anthropic.Client) error
		status  int
		errType string
	}{
		{"messages, every tier overloaded", []sim.Rule{{Model: "*", Status: 529}}, create, 529, "overloaded_error"},
		{"messages, every tier failing", []sim.Rule{{Model: "*", Status: 500}}, create, 503, "api_error"},
		{"messages, every tier resetting", []sim.Rule{{Model: "*", Reset: true}}, create, 503, "api_error"},
		{"messages, every tier rate limited", []sim.Rule{{Model: "*", Status: 429}}, create, 429, "rate_limit_error"},
		// The finding: the upstream's 429 passed back after the gateway's own
		// retries was retried twice more by the SDK (9 upstream calls).
		{"count_tokens, rate limited", []sim.Rule{{Model: sonnet, Status: 429}}, count, 429, "rate_limit_error"},
		{"count_tokens, overloaded with x-should-retry: true", []sim.Rule{{Model: sonnet, Status: 529, ShouldRetry: ptr(true)}}, count, 529, "overloaded_error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, up := startSim(t, tt.rules...)
			g := startGateway(t, up)
			c := anthropic.NewClient(option.WithBaseURL(g.url), option.WithAPIKey("sk-client")) // default retries: 2
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := tt.do(ctx, c)
			var apiErr *anthropic.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || string(apiErr.Type()) != tt.errType {
				t.Fatalf("err = %v, want %d %s", err, tt.status, tt.errType)
			}
			if n := g.requests.Load(); n != 1 {
				t.Fatalf("the SDK sent %d requests to the gateway (%d upstream calls), want 1", n, totalRequests(s))
			}
			if ra := apiErr.Response.Header.Get("retry-after"); tt.status == 429 && ra == "" {
				t.Fatalf("a rate-limited failure without retry-after: %v", apiErr.Response.Header)
			}
		})
	}
}
