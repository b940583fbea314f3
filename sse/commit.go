package sse

import "encoding/json"

// CommitPoint reports whether an event of a Messages stream is its commit
// point (DESIGN §5): a content_block_delta that carries content, or
// message_stop. Before it, a proxy may still retry or fall back invisibly;
// from it on, the client has seen the answer begin.
//
// A delta carries content unless it is one of the content delta types with
// its content empty: a text_delta with no text, an input_json_delta with no
// partial_json (a tool_use block's first delta often is), a thinking_delta
// with no thinking or a signature_delta with no signature. Any other delta
// (citations_delta, a type this package does not know) counts as content, as
// does a delta whose data cannot be read: holding it back could only delay
// the client.
//
// name and data are the event's name and data, as in [Event].
func CommitPoint(name, data []byte) bool {
	switch string(name) {
	case "message_stop":
		return true
	case "content_block_delta":
		return !emptyDelta(data)
	}
	return false
}

// blockDelta is the part of a content_block_delta event CommitPoint reads.
type blockDelta struct {
	Delta struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
	} `json:"delta"`
}

// emptyDelta reports whether a content_block_delta's data is a known content
// delta with its content empty.
func emptyDelta(data []byte) bool {
	var ev blockDelta
	if json.Unmarshal(data, &ev) != nil {
		return false
	}
	d := &ev.Delta
	switch d.Type {
	case "text_delta":
		return d.Text == ""
	case "input_json_delta":
		return d.PartialJSON == ""
	case "thinking_delta":
		return d.Thinking == ""
	case "signature_delta":
		return d.Signature == ""
	}
	return false
}
