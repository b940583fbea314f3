package providers_test

import (
	"context"
	"encoding/json"
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

// clouds is a gateway whose primary model is tried on the default upstream,
// then Bedrock, then Vertex, with the default upstream down.
func clouds(t *testing.T) *setup {
	t.Helper()
	bedrock, vertex := kinds[1], kinds[5]
	k := kind{name: bedrock.name, entry: bedrock.entry + "\n  " + vertex.name + ": " + vertex.entry, env: bedrock.env}
	return startChain(t, k, []string{bedrock.name, vertex.name}, down)
}

// TestTheOfficialGoSDKIsAnsweredByBedrockThenVertex: messages.create and
// messages.stream through the gateway process while the Anthropic API is
// down, answered by the same model on Bedrock, then — Bedrock down too —
// on Vertex.
func TestTheOfficialGoSDKIsAnsweredByBedrockThenVertex(t *testing.T) {
	s := clouds(t)
	c := anthropic.NewClient(option.WithBaseURL(s.url), option.WithAPIKey("sk-client"))
	params := anthropic.MessageNewParams{Model: sonnet, MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("say hello"))}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, want := range []string{"bedrock-us", "vertex-us"} {
		if want == "vertex-us" {
			s.sim.SetRules([]sim.Rule{down, {Upstream: "bedrock-us", Model: "*", Status: 529}})
		}
		var raw *http.Response
		msg, err := c.Messages.New(ctx, params, option.WithResponseInto(&raw))
		if err != nil {
			t.Fatalf("%s: create: %v", want, err)
		}
		if raw.Header.Get("bulwark-model-used") != sonnet || raw.Header.Get("bulwark-upstream") != want || len(msg.Content) == 0 || msg.Content[0].Text == "" {
			t.Errorf("%s: create: model %q upstream %q, %+v", want, raw.Header.Get("bulwark-model-used"), raw.Header.Get("bulwark-upstream"), msg.Content)
		}
		raw = nil
		stream := c.Messages.NewStreaming(ctx, params, option.WithResponseInto(&raw))
		var acc anthropic.Message
		for stream.Next() {
			if err := acc.Accumulate(stream.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("%s: stream: %v", want, err)
		}
		if raw == nil || raw.Header.Get("bulwark-upstream") != want || len(acc.Content) == 0 || acc.Content[0].Text != msg.Content[0].Text {
			t.Errorf("%s: stream: %+v", want, acc.Content)
		}
	}
}

const tsCloudScript = `
import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic({ baseURL: process.env.GATEWAY, apiKey: 'sk-client' });
const params = { model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'say hello' }] };
const out = [];
for (const phase of ['bedrock', 'vertex']) {
  if (phase === 'vertex') {
    await fetch(process.env.SIM + '/_sim/faults', { method: 'PUT', body: JSON.stringify({ rules: [
      { upstream: 'primary', model: '*', status: 529 }, { upstream: 'bedrock-us', model: '*', status: 529 }] }) });
  }
  const { data: msg, response } = await client.messages.create(params).withResponse();
  const { data: stream, response: sresp } = await client.messages.stream(params).withResponse();
  const final = await stream.finalMessage();
  out.push({
    created: { text: msg.content[0].text, model: response.headers.get('bulwark-model-used'), upstream: response.headers.get('bulwark-upstream') },
    streamed: { text: final.content[0].text, stop: final.stop_reason, upstream: sresp.headers.get('bulwark-upstream') },
  });
}
console.log(JSON.stringify(out));
`

// TestTheOfficialTypeScriptSDKIsAnsweredByBedrockThenVertex is the same with
// the TypeScript SDK from npm, with its default retries.
func TestTheOfficialTypeScriptSDKIsAnsweredByBedrockThenVertex(t *testing.T) {
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
	if err := os.WriteFile(filepath.Join(dir, "client.mjs"), []byte(tsCloudScript), 0o644); err != nil {
		t.Fatal(err)
	}
	s := clouds(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, node, "client.mjs")
	run.Dir = dir
	run.Env = append(os.Environ(), "GATEWAY="+s.url, "SIM="+s.simURL)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []struct {
		Created  struct{ Text, Model, Upstream string }
		Streamed struct{ Text, Stop, Upstream string }
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil || len(got) != 2 {
		t.Fatalf("output %s: %v", out, err)
	}
	for i, want := range []string{"bedrock-us", "vertex-us"} {
		g := got[i]
		if g.Created.Model != sonnet || g.Created.Upstream != want || g.Created.Text == "" {
			t.Errorf("%s: messages.create %+v", want, g.Created)
		}
		if g.Streamed.Upstream != want || g.Streamed.Text != g.Created.Text || g.Streamed.Stop != "end_turn" {
			t.Errorf("%s: messages.stream %+v", want, g.Streamed)
		}
	}
}
