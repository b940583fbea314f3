package sim

import (
	"net/http"
	"time"
)

// sse writes server-sent events, flushing each one.
type sse struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (e *sse) event(name string, data []byte) bool {
	if e.err != nil {
		return false
	}
	buf := make([]byte, 0, len(name)+len(data)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, name...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, e.err = e.w.Write(buf); e.err == nil {
		e.err = e.rc.Flush()
	}
	return e.err == nil
}

// stream sends ans as the real API's event sequence:
//
//	message_start, content_block_start, ping, content_block_delta...,
//	content_block_stop, message_delta, message_stop
//
// with the plan's stream faults (stall, stream error, malformed) on the way.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *request, ans *answer, p *plan) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	out := &sse{w: w, rc: http.NewResponseController(w)}
	ctx := r.Context()

	total := ans.units()
	stallAt, errAt := -1, -1
	if p.kind == faultStall || p.kind == faultStreamError {
		if p.rule.stalls() {
			stallAt = min(p.rule.StallAfterTokens, total)
		}
		if p.rule.streamErrors() {
			errAt = min(p.rule.StreamErrorAfterTokens, total)
		}
	}
	stalled := false
	// checkpoint runs the faults due once sent tokens are out. It reports
	// whether the stream goes on.
	checkpoint := func(sent int) bool {
		if sent == stallAt && !stalled {
			stalled = true
			var err error
			if d := time.Duration(p.rule.Stall); d > 0 {
				err = s.wait(ctx, d)
			} else {
				err = s.waitForever(ctx)
			}
			if err != nil {
				abort(err)
				return false
			}
		}
		if sent == errAt {
			s.streamError(out, p, h.Get("request-id"))
			return false
		}
		return true
	}

	if !out.event("message_start", marshal(messageStartEvent{Type: "message_start", Message: s.messageBody(req, ans, true)})) {
		return
	}
	if errAt == 0 && stallAt != 0 {
		s.streamError(out, p, h.Get("request-id"))
		return
	}
	sent := 0
	idx := 0
	var start any = textBlock{Type: "text", Text: ""}
	if ans.tool != nil {
		start = toolUseBlock{Type: "tool_use", ID: ans.tool.id, Name: ans.tool.name, Input: []byte("{}")}
	}
	if !out.event("content_block_start", marshal(blockStartEvent{Type: "content_block_start", Index: idx, ContentBlock: start})) ||
		!out.event("ping", []byte(`{"type": "ping"}`)) {
		return
	}
	if p.kind == faultMalformed {
		out.event("content_block_delta", []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Simulated ans`))
		return
	}
	if ans.tool != nil && !out.event("content_block_delta", marshal(blockDeltaEvent{
		Type: "content_block_delta", Index: idx, Delta: inputJSONDelta{Type: "input_json_delta", PartialJSON: ""}})) {
		return
	}
	for _, g := range ans.groups {
		for g > 0 {
			if !checkpoint(sent) {
				return
			}
			n := g
			for _, t := range [2]int{stallAt, errAt} {
				if t > sent && t < sent+n {
					n = t - sent
				}
			}
			if s.tokenDelay > 0 {
				if err := s.wait(ctx, s.tokenDelay); err != nil {
					abort(err)
					return
				}
			}
			var delta any
			if ans.tool != nil {
				delta = inputJSONDelta{Type: "input_json_delta", PartialJSON: joinStrings(ans.tool.chunks[sent : sent+n])}
			} else {
				delta = textDelta{Type: "text_delta", Text: joinStrings(ans.text[sent : sent+n])}
			}
			if !out.event("content_block_delta", marshal(blockDeltaEvent{Type: "content_block_delta", Index: idx, Delta: delta})) {
				return
			}
			sent += n
			g -= n
		}
	}
	if !checkpoint(sent) {
		return
	}
	_ = out.event("content_block_stop", marshal(blockStopEvent{Type: "content_block_stop", Index: idx})) &&
		out.event("message_delta", marshal(messageDeltaEvent{
			Type:  "message_delta",
			Delta: messageDeltaInner{StopReason: ans.stopReason},
			Usage: deltaUsage{InputTokens: req.inputTokens, OutputTokens: max(1, total)},
		})) &&
		out.event("message_stop", []byte(`{"type":"message_stop"}`))
}

// streamError sends the SSE error event of the plan's rule.
func (s *Server) streamError(out *sse, p *plan, requestID string) {
	typ := p.rule.ErrorType
	if typ == "" {
		typ = "overloaded_error"
	}
	msg := p.rule.Message
	if msg == "" {
		msg = messageFor(typ, "")
	}
	out.event("error", marshal(errorBody{Type: "error", Error: errorDetail{Type: typ, Message: p.withEcho(msg)}, RequestID: requestID}))
}

func joinStrings(parts []string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return string(b)
}
