package sim

import (
	"encoding/json"
	"strings"
)

// The message roles and content block types of the current Messages API
// (anthropic-sdk-go v2.15.0's MessageParam and BetaContentBlockParamUnion).
// A request is checked against them so that the simulator accepts what the
// API accepts and rejects what it rejects.
var (
	roles = "'user', 'assistant' or 'system'"

	// blockTypes are the content block types a user or assistant message
	// may carry.
	blockTypes = map[string]bool{
		"text": true, "image": true, "document": true, "search_result": true,
		"thinking": true, "redacted_thinking": true, "tool_use": true, "tool_result": true,
		"server_tool_use": true, "web_search_tool_result": true, "web_fetch_tool_result": true,
		"advisor_tool_result": true, "code_execution_tool_result": true,
		"bash_code_execution_tool_result": true, "text_editor_code_execution_tool_result": true,
		"tool_search_tool_result": true, "mcp_tool_use": true, "mcp_tool_result": true,
		"container_upload": true, "compaction": true, "tool_addition": true, "tool_removal": true,
		"mcp_tool_listing": true, "fallback": true,
	}
)

// systemMessage checks a role "system" message (a mid-conversation system
// message: text blocks, an optional per-turn output_config and clear_at)
// and returns the characters of its text.
func systemMessage(i int, msg map[string]json.RawMessage) (int, error) {
	if raw, ok := msg["clear_at"]; ok && !isNull(raw) {
		var at string
		if json.Unmarshal(raw, &at) != nil || (at != "next_user_message" && at != "never") {
			return 0, invalidf("messages.%d.clear_at: Input should be 'next_user_message' or 'never'", i)
		}
	}
	hasConfig := false
	if raw, ok := msg["output_config"]; ok && !isNull(raw) {
		var cfg map[string]json.RawMessage
		if json.Unmarshal(raw, &cfg) != nil {
			return 0, invalidf("messages.%d.output_config: Input should be a valid dictionary", i)
		}
		hasConfig = true
	}
	c, ok := msg["content"]
	if !ok || isNull(c) {
		if hasConfig {
			return 0, nil
		}
		return 0, invalidf("messages.%d.content: Field required", i)
	}
	var text string
	if json.Unmarshal(c, &text) == nil {
		return len(text), nil
	}
	var blocks []contentBlock
	if json.Unmarshal(c, &blocks) != nil {
		return 0, invalidf("messages.%d.content: Input should be a valid string or a list of text blocks", i)
	}
	if len(blocks) == 0 && !hasConfig {
		return 0, invalidf("messages.%d: a system message needs content or output_config", i)
	}
	n := 0
	for j, b := range blocks {
		if b.Type != "text" {
			return 0, invalidf("messages.%d.content.%d.type: Input should be 'text'", i, j)
		}
		n += len(b.Text)
	}
	return n, nil
}

// badBlockType is the API's answer to a content block of an unknown type.
func badBlockType(i, j int, typ string) error {
	return invalidf("messages.%d.content.%d: Input tag '%s' found using 'type' does not match any of the expected tags", i, j, typ)
}

// isReminder reports whether a text block is only a client's reminder to the
// model (Claude Code sends "<system-reminder>…</system-reminder>" blocks
// before what the user typed): the prompt quoted in answers leaves it out.
func isReminder(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, "<system-reminder>") && strings.HasSuffix(t, "</system-reminder>")
}
