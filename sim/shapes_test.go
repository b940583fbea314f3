package sim_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// claudeCodeBody is a request Claude Code 2.1.332 sent (texts shortened): a
// mid-conversation role "system" message, reminder blocks before the
// prompt, deferred tools, adaptive thinking, context_management and
// output_config.
func claudeCodeBody(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/claude-code-2.1.332.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClaudeCodeRequestsGetATextAnswerToWhatTheUserTyped(t *testing.T) {
	_, _, url := start(t)
	req := claudeCodeBody(t)
	for _, stream := range []bool{false, true} {
		req["stream"] = stream
		b, _ := json.Marshal(req)
		res, out := do(t, "POST", url+"/v1/messages", string(b))
		if res.StatusCode != 200 {
			t.Fatalf("stream %v: status %d: %s", stream, res.StatusCode, out)
		}
		text := answerText(t, out, stream)
		// It names its tools (Agent, Bash, ...) in the reminders: still text.
		if strings.Contains(string(out), `"tool_use"`) || !strings.Contains(text, "\u201csay hello\u201d") {
			t.Errorf("stream %v: want a text answer quoting the prompt, got %q", stream, text)
		}
		if strings.Contains(text, "system-reminder") {
			t.Errorf("stream %v: the quoted prompt includes a reminder: %q", stream, text)
		}
	}
}

func TestEveryBlockTypeOfTheCurrentAPIIsAccepted(t *testing.T) {
	_, _, url := start(t)
	req := claudeCodeBody(t)
	msgs := req["messages"].([]any)
	msgs = append(msgs,
		map[string]any{"role": "assistant", "content": []any{
			map[string]any{"type": "thinking", "thinking": "hm", "signature": "sig"},
			map[string]any{"type": "redacted_thinking", "data": "xyz"},
			map[string]any{"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": map[string]any{"query": "q"}},
			map[string]any{"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []any{}},
			map[string]any{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": map[string]any{"command": "ls"}},
		}},
		map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": "README.md"},
			map[string]any{"type": "text", "text": "<system-reminder>\nkeep going\n</system-reminder>"},
		}},
		map[string]any{"role": "system", "content": []any{map[string]any{"type": "text", "text": "be brief"}}, "clear_at": "next_user_message"},
		map[string]any{"role": "system", "output_config": map[string]any{"effort": "low"}},
	)
	req["messages"] = msgs
	req["stream"] = false
	b, _ := json.Marshal(req)
	res, out := do(t, "POST", url+"/v1/messages", string(b))
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, out)
	}
	var msg anthropic.Message
	if err := json.Unmarshal(out, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || !strings.Contains(msg.Content[0].Text, "Bash returned") {
		t.Errorf("after the tool result: %s %+v, want text about Bash's result", msg.StopReason, msg.Content)
	}
}

// answerText is the text of a message body or, streamed, of its text deltas.
func answerText(t *testing.T, body []byte, stream bool) string {
	t.Helper()
	if !stream {
		var msg anthropic.Message
		if err := json.Unmarshal(body, &msg); err != nil || len(msg.Content) == 0 {
			t.Fatalf("message %s: %v", body, err)
		}
		return msg.Content[0].Text
	}
	var text strings.Builder
	for _, ev := range readEvents(t, bytes.NewReader(body)) {
		var d struct {
			Delta struct{ Text string } `json:"delta"`
		}
		if ev.name == "content_block_delta" && json.Unmarshal([]byte(ev.data), &d) == nil {
			text.WriteString(d.Delta.Text)
		}
	}
	return text.String()
}
