package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// answer is the simulated model output for one request. It is a pure
// function of the server's seed and the request, so a streamed and a
// non-streamed call with the same prompt get the same content.
type answer struct {
	text       []string  // text tokens (each a word with its leading space); nil for tool use
	groups     []int     // tokens (or tool-input chunks) per delta when streamed
	tool       *toolCall // set for a tool_use answer
	stopReason string    // "end_turn", "max_tokens" or "tool_use"
}

type toolCall struct {
	id     string
	name   string
	input  []byte   // the JSON object
	chunks []string // input split into input_json_delta pieces
}

// units is the number of output tokens the answer streams: text tokens or
// tool-input chunks. It is also output_tokens.
func (a *answer) units() int {
	if a.tool != nil {
		return len(a.tool.chunks)
	}
	return len(a.text)
}

// fullText is the text of a text answer.
func (a *answer) fullText() string { return strings.Join(a.text, "") }

// compose writes the answer to req; toolUse names the tool a fault rule
// asks to call ("*" the first, "" none: Rule.ToolUse).
func (s *Server) compose(req *request, toolUse string) *answer {
	rng := s.textRNG(req)
	if req.toolResult == nil {
		if t := pickTool(req, toolUse); t != nil {
			return s.callTool(req, t, rng)
		}
	}
	var words []string
	words = append(words, "Simulated", "answer", "from", req.model)
	switch {
	case req.toolResult != nil:
		name := req.toolResult.name
		if name == "" {
			name = "the tool"
		}
		words = append(words, "after", name, "returned")
		words = append(words, echo(req.toolResult.text)...)
	case strings.TrimSpace(req.prompt) != "":
		words = append(words, "to")
		words = append(words, echo(req.prompt)...)
	default:
		words[len(words)-1] += ":"
	}
	for n := 8 + rng.IntN(17); n > 0; n-- {
		words = append(words, vocabulary[rng.IntN(len(vocabulary))])
	}
	words[len(words)-1] += "."
	a := &answer{stopReason: "end_turn"}
	for i, w := range words {
		if i > 0 {
			w = " " + w
		}
		a.text = append(a.text, w)
	}
	if len(a.text) > req.maxTokens && req.maxTokens > 0 {
		a.text = a.text[:req.maxTokens]
		a.stopReason = "max_tokens"
	}
	for left := len(a.text); left > 0; {
		g := min(left, 1+rng.IntN(3))
		a.groups = append(a.groups, g)
		left -= g
	}
	return a
}

// textRNG is a generator seeded by the server seed and the request's model
// and prompt only.
func (s *Server) textRNG(req *request) *rand.Rand {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(s.seed))
	h.Write(b[:])
	h.Write([]byte(req.model))
	h.Write([]byte{0})
	h.Write([]byte(req.prompt))
	if req.toolResult != nil {
		h.Write([]byte{1})
		h.Write([]byte(req.toolResult.text))
	}
	return rand.New(rand.NewPCG(h.Sum64(), uint64(s.seed)))
}

// echo quotes the first words of a prompt, so tests can tell answers apart.
func echo(prompt string) []string {
	f := strings.Fields(prompt)
	if len(f) == 0 {
		return []string{"nothing:"}
	}
	const n = 6
	more := len(f) > n
	if more {
		f = f[:n]
	}
	out := append([]string(nil), f...)
	out[0] = "\u201c" + out[0]
	if more {
		out[len(out)-1] += "\u2026"
	}
	out[len(out)-1] += "\u201d:"
	return out
}

var vocabulary = strings.Fields(`the request reached a healthy model and this reply
is generated text from the simulator so that retries fallbacks and streams can be
tested without an API key while every token arrives in order with usage counted`)

// pickTool chooses the tool to call, if any: the one tool_choice names;
// the first tool when tool_choice is "any"; else the one a rule asks for
// (Rule.ToolUse: a name, or "*" for the first); else none. Mentioning a
// tool in the prompt calls nothing: clients such as Claude Code name their
// tools in every prompt and expect text.
func pickTool(req *request, ruleAsks string) *tool {
	if len(req.tools) == 0 || req.choice == "none" {
		return nil
	}
	name := ruleAsks
	switch req.choice {
	case "tool":
		name = req.choiceName
	case "any":
		return &req.tools[0]
	}
	if name == "*" {
		return &req.tools[0]
	}
	for i := range req.tools {
		if name != "" && req.tools[i].name == name {
			return &req.tools[i]
		}
	}
	return nil
}

// callTool answers with a tool_use block whose input fills the tool's
// required properties: strings get an enum value or the prompt's last word.
func (s *Server) callTool(req *request, t *tool, rng *rand.Rand) *answer {
	arg := lastWord(req.prompt)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, name := range t.schema.Required {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(marshal(name))
		buf.WriteByte(':')
		buf.Write(sampleValue(t.schema.Properties[name], arg))
	}
	buf.WriteByte('}')
	tc := &toolCall{id: newID("toolu_01", 22), name: t.name, input: buf.Bytes()}
	in := string(tc.input)
	for len(in) > 0 {
		n := min(len(in), 6+rng.IntN(10))
		for n < len(in) && !utf8.RuneStart(in[n]) {
			n++
		}
		tc.chunks = append(tc.chunks, in[:n])
		in = in[n:]
	}
	a := &answer{tool: tc, stopReason: "tool_use"}
	for range tc.chunks {
		a.groups = append(a.groups, 1)
	}
	return a
}

func sampleValue(p propSchema, arg string) []byte {
	if len(p.Enum) > 0 {
		return p.Enum[0]
	}
	var typ string
	if json.Unmarshal(p.Type, &typ) != nil {
		var types []string
		if json.Unmarshal(p.Type, &types) == nil && len(types) > 0 {
			typ = types[0]
		}
	}
	switch typ {
	case "integer", "number":
		return []byte("1")
	case "boolean":
		return []byte("true")
	case "array":
		return []byte("[]")
	case "object":
		return []byte("{}")
	case "null":
		return []byte("null")
	}
	return marshal(arg)
}

// lastWord is the prompt's last word without punctuation ("Paris" from
// "weather in Paris?"), or "sim".
func lastWord(prompt string) string {
	f := strings.Fields(prompt)
	for i := len(f) - 1; i >= 0; i-- {
		w := strings.TrimFunc(f[i], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			return w
		}
	}
	return "sim"
}

const idChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// newID returns prefix followed by n random characters, like msg_01XFDUDYJgAACzvnptvVoYEL.
func newID(prefix string, n int) string {
	b := make([]byte, len(prefix)+n)
	copy(b, prefix)
	for i := len(prefix); i < len(b); i++ {
		b[i] = idChars[rand.IntN(len(idChars))]
	}
	return string(b)
}
