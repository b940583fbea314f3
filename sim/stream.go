package sim

import (
	"context"
	"net/http"
	"time"
)

// eventSink sends a stream's events on a wire: SSE (sse), or Bedrock's
// event stream (bedrockStream). event reports whether the client still
// listens.
type eventSink interface {
	event(name string, data []byte) bool
}

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
// It returns the output tokens produced: the answer's when the stream ends
// well, else those sent before it broke.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *request, ans *answer, p *plan) (produced int) {
	h := w.Header()
	var out eventSink
	if upstreamOf(r).kind == KindBedrock {
		out = s.bedrockStream(w)
	} else {
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		out = &sse{w: w, rc: http.NewResponseController(w)}
	}
	st := &streamer{
		s: s, ctx: r.Context(), out: out,
		req: req, ans: ans, p: p, requestID: h.Get("request-id"),
		stallAt: -1, errAt: -1,
	}
	st.planFaults()
	defer func() { produced = st.sent }() // also when a wait ends the handler
	if st.open() && st.deltas() {
		st.close()
		st.sent = max(1, ans.units())
	}
	return st.sent
}

// streamer is one stream being sent: the answer, where its faults fall and
// how far it has got.
type streamer struct {
	s         *Server
	ctx       context.Context
	out       eventSink
	req       *request
	ans       *answer
	p         *plan
	requestID string
	// stallAt and errAt are the token counts at which the plan's stall and
	// stream error happen; -1 is never.
	stallAt, errAt int
	stalled        bool
	sent           int // output tokens sent so far
}

// planFaults places the plan's stall and stream error in the answer.
func (st *streamer) planFaults() {
	p, total := st.p, st.ans.units()
	if p.kind != faultStall && p.kind != faultStreamError {
		return
	}
	if p.rule.stalls() {
		st.stallAt = min(p.rule.StallAfterTokens, total)
	}
	if p.rule.streamErrors() {
		st.errAt = min(p.rule.StreamErrorAfterTokens, total)
	}
}

// checkpoint runs the faults due once sent tokens are out. It reports
// whether the stream goes on.
func (st *streamer) checkpoint(sent int) bool {
	if sent == st.stallAt && !st.stalled {
		st.stalled = true
		var err error
		if d := time.Duration(st.p.rule.Stall); d > 0 {
			err = st.s.wait(st.ctx, d)
		} else {
			err = st.s.waitForever(st.ctx)
		}
		if err != nil {
			abort(err)
			return false
		}
	}
	if sent == st.errAt {
		st.s.streamError(st.out, st.p, st.requestID)
		return false
	}
	return true
}

// open sends message_start, content_block_start and ping (or the fault due
// before them). It reports whether the stream goes on.
func (st *streamer) open() bool {
	out, ans := st.out, st.ans
	if !out.event("message_start", marshal(messageStartEvent{Type: "message_start", Message: st.s.messageBody(st.req, ans, true)})) {
		return false
	}
	if st.errAt == 0 && st.stallAt != 0 {
		st.s.streamError(out, st.p, st.requestID)
		return false
	}
	var start any = textBlock{Type: "text", Text: ""}
	if ans.tool != nil {
		start = toolUseBlock{Type: "tool_use", ID: ans.tool.id, Name: ans.tool.name, Input: []byte("{}")}
	}
	if !out.event("content_block_start", marshal(blockStartEvent{Type: "content_block_start", Index: 0, ContentBlock: start})) ||
		!out.event("ping", []byte(`{"type": "ping"}`)) {
		return false
	}
	if st.p.kind == faultMalformed {
		out.event("content_block_delta", []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Simulated ans`))
		return false
	}
	return ans.tool == nil || out.event("content_block_delta", marshal(blockDeltaEvent{
		Type: "content_block_delta", Index: 0, Delta: inputJSONDelta{Type: "input_json_delta", PartialJSON: ""}}))
}

// deltas sends the answer's tokens in its groups, cutting a group where a
// fault falls, and runs the faults due at the end. It reports whether the
// stream goes on.
func (st *streamer) deltas() bool {
	sent := 0
	for _, g := range st.ans.groups {
		for g > 0 {
			if !st.checkpoint(sent) {
				return false
			}
			n := g
			for _, t := range [2]int{st.stallAt, st.errAt} {
				if t > sent && t < sent+n {
					n = t - sent
				}
			}
			if !st.delta(sent, n) {
				return false
			}
			sent += n
			g -= n
		}
	}
	return st.checkpoint(sent)
}

// delta sends tokens [sent, sent+n) as one content_block_delta after the
// server's token delay.
func (st *streamer) delta(sent, n int) bool {
	if d := st.s.tokenDelay; d > 0 {
		if err := st.s.wait(st.ctx, d); err != nil {
			abort(err)
			return false
		}
	}
	var delta any
	if tool := st.ans.tool; tool != nil {
		delta = inputJSONDelta{Type: "input_json_delta", PartialJSON: joinStrings(tool.chunks[sent : sent+n])}
	} else {
		delta = textDelta{Type: "text_delta", Text: joinStrings(st.ans.text[sent : sent+n])}
	}
	if !st.out.event("content_block_delta", marshal(blockDeltaEvent{Type: "content_block_delta", Index: 0, Delta: delta})) {
		return false
	}
	st.sent = sent + n
	return true
}

// close sends content_block_stop, message_delta and message_stop.
func (st *streamer) close() {
	out := st.out
	_ = out.event("content_block_stop", marshal(blockStopEvent{Type: "content_block_stop", Index: 0})) &&
		out.event("message_delta", marshal(messageDeltaEvent{
			Type:  "message_delta",
			Delta: messageDeltaInner{StopReason: st.ans.stopReason},
			Usage: deltaUsage{InputTokens: st.req.inputTokens, OutputTokens: max(1, st.ans.units())},
		})) &&
		out.event("message_stop", []byte(`{"type":"message_stop"}`))
}

// streamError sends the SSE error event of the plan's rule.
func (s *Server) streamError(out eventSink, p *plan, requestID string) {
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
