package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// request is what the simulator needs from a Messages or count_tokens body.
type request struct {
	model       string
	maxTokens   int
	stream      bool
	prompt      string      // text of the last user message
	toolResult  *toolResult // a tool_result in the last user message
	tools       []tool      // custom tools (with an input_schema)
	choice      string      // tool_choice.type: "", "auto", "any", "tool", "none"
	choiceName  string      // tool_choice.name for "tool"
	inputTokens int
}

type toolResult struct {
	name string // of the tool_use it answers, when found
	text string
}

type tool struct {
	name   string
	schema toolSchema
}

type toolSchema struct {
	Properties map[string]propSchema `json:"properties"`
	Required   []string              `json:"required"`
}

type propSchema struct {
	Type json.RawMessage   `json:"type"`
	Enum []json.RawMessage `json:"enum"`
}

type contentBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
}

// invalid is a 400 invalid_request_error with the message the client sees.
type invalid string

func (e invalid) Error() string { return string(e) }

func invalidf(format string, args ...any) error { return invalid(fmt.Sprintf(format, args...)) }

// parseRequest reads a Messages body (needMaxTokens) or a count_tokens body.
// On error the model is still returned when it could be read, for counting.
func parseRequest(body []byte, needMaxTokens bool) (*request, error) {
	req := &request{}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return req, invalidf("There was an error parsing the body of your request: %v. The body must be a JSON object.", cleanJSONError(err))
	}
	if top == nil {
		return req, invalid("The request body must be a JSON object.")
	}
	raw, ok := top["model"]
	if !ok || isNull(raw) {
		return req, invalid("model: Field required")
	}
	if json.Unmarshal(raw, &req.model) != nil {
		return req, invalid("model: Input should be a valid string")
	}
	if req.model == "" {
		return req, invalid("model: String should have at least 1 character")
	}
	if needMaxTokens {
		raw, ok := top["max_tokens"]
		if !ok || isNull(raw) {
			return req, invalid("max_tokens: Field required")
		}
		var f float64
		if json.Unmarshal(raw, &f) != nil || f != math.Trunc(f) || f > math.MaxInt32 {
			return req, invalid("max_tokens: Input should be a valid integer")
		}
		if f < 1 {
			return req, invalid("max_tokens: Input should be greater than or equal to 1")
		}
		req.maxTokens = int(f)
		if raw, ok := top["stream"]; ok && !isNull(raw) {
			if json.Unmarshal(raw, &req.stream) != nil {
				return req, invalid("stream: Input should be a valid boolean")
			}
		}
	}
	chars := 0
	if raw, ok := top["system"]; ok && !isNull(raw) {
		n, err := systemChars(raw)
		if err != nil {
			return req, err
		}
		chars += n
	}
	n, err := req.readMessages(top["messages"])
	if err != nil {
		return req, err
	}
	chars += n
	if raw, ok := top["tools"]; ok && !isNull(raw) {
		if err := req.readTools(raw); err != nil {
			return req, err
		}
		chars += len(raw)
	}
	if raw, ok := top["tool_choice"]; ok && !isNull(raw) {
		var tc struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &tc) != nil {
			return req, invalid("tool_choice: Input should be a valid dictionary")
		}
		switch tc.Type {
		case "auto", "any", "none":
		case "tool":
			if tc.Name == "" {
				return req, invalid("tool_choice.name: Field required")
			}
		default:
			return req, invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
		}
		req.choice, req.choiceName = tc.Type, tc.Name
	}
	req.inputTokens = max(1, (chars+3)/4)
	return req, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func systemChars(raw json.RawMessage) (int, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return len(s), nil
	}
	var blocks []contentBlock
	if json.Unmarshal(raw, &blocks) != nil {
		return 0, invalid("system: Input should be a valid string or a list of text blocks")
	}
	n := 0
	for _, b := range blocks {
		n += len(b.Text)
	}
	return n, nil
}

// readMessages validates messages and finds the prompt; it returns the
// number of characters of content, for the token estimate.
func (req *request) readMessages(raw json.RawMessage) (int, error) {
	if raw == nil || isNull(raw) {
		return 0, invalid("messages: Field required")
	}
	var msgs []json.RawMessage
	if json.Unmarshal(raw, &msgs) != nil {
		return 0, invalid("messages: Input should be a valid list")
	}
	if len(msgs) == 0 {
		return 0, invalid("messages: at least one message is required")
	}
	chars := 0
	toolNames := map[string]string{} // tool_use id -> tool name
	for i, m := range msgs {
		var msg map[string]json.RawMessage
		if json.Unmarshal(m, &msg) != nil || msg == nil {
			return 0, invalidf("messages.%d: Input should be a valid dictionary", i)
		}
		var role string
		if r, ok := msg["role"]; !ok || isNull(r) {
			return 0, invalidf("messages.%d.role: Field required", i)
		} else if json.Unmarshal(r, &role) != nil || (role != "user" && role != "assistant" && role != "system") {
			return 0, invalidf("messages.%d.role: Input should be %s", i, roles)
		}
		if role == "system" {
			n, err := systemMessage(i, msg)
			if err != nil {
				return 0, err
			}
			chars += n
			continue
		}
		if _, ok := msg["clear_at"]; ok {
			return 0, invalidf("messages.%d.clear_at: Extra inputs are not permitted (only on role 'system')", i)
		}
		c, ok := msg["content"]
		if !ok || isNull(c) {
			return 0, invalidf("messages.%d.content: Field required", i)
		}
		var text string
		var blocks []contentBlock
		if json.Unmarshal(c, &text) == nil {
			blocks = []contentBlock{{Type: "text", Text: text}}
		} else if err := json.Unmarshal(c, &blocks); err != nil {
			return 0, invalidf("messages.%d.content: Input should be a valid string or a list of content blocks", i)
		}
		var prompt []string
		var result *toolResult
		for j, b := range blocks {
			switch b.Type {
			case "":
				return 0, invalidf("messages.%d.content.%d.type: Field required", i, j)
			case "text":
				chars += len(b.Text)
				if !isReminder(b.Text) {
					prompt = append(prompt, b.Text)
				}
			case "tool_use":
				chars += len(b.Name) + len(b.Input)
				toolNames[b.ID] = b.Name
			case "tool_result":
				t := resultText(b.Content)
				chars += len(t)
				result = &toolResult{name: toolNames[b.ToolUseID], text: t}
			default:
				if !blockTypes[b.Type] {
					return 0, badBlockType(i, j, b.Type)
				}
				chars += min(len(c), 6400) // images, documents: a bounded guess
			}
		}
		if role == "user" {
			req.prompt = strings.Join(prompt, " ")
			req.toolResult = result
		}
	}
	return chars, nil
}

// resultText is the text of a tool_result's content (a string or blocks).
func resultText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []contentBlock
	if json.Unmarshal(raw, &blocks) == nil {
		var parts []string
		for _, b := range blocks {
			if b.Text != "" {
				parts = append(parts, b.Text)
			}
		}
		return strings.Join(parts, " ")
	}
	return string(raw)
}

func (req *request) readTools(raw json.RawMessage) error {
	var tools []map[string]json.RawMessage
	if json.Unmarshal(raw, &tools) != nil {
		return invalid("tools: Input should be a valid list of tools")
	}
	for i, t := range tools {
		var name, typ string
		if raw, ok := t["name"]; !ok || json.Unmarshal(raw, &name) != nil || name == "" {
			return invalidf("tools.%d.name: Field required", i)
		}
		if raw, ok := t["type"]; ok && !isNull(raw) {
			_ = json.Unmarshal(raw, &typ)
		}
		if typ != "" && typ != "custom" {
			continue // a server tool (web search, code execution...): never called here
		}
		s, ok := t["input_schema"]
		if !ok || isNull(s) {
			return invalidf("tools.%d.input_schema: Field required", i)
		}
		var schema toolSchema
		if json.Unmarshal(s, &schema) != nil {
			return invalidf("tools.%d.input_schema: Input should be a valid JSON schema object", i)
		}
		req.tools = append(req.tools, tool{name: name, schema: schema})
	}
	return nil
}
