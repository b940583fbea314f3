package sim

import (
	"fmt"
	"net/http"
	"strconv"
)

// handleMessages answers POST /v1/messages, streaming or not.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	if body, ok := s.readBody(w, r); ok {
		s.messages(w, r, body)
	}
}

// messages answers a Messages body (in the first-party form) on r's wire.
func (s *Server) messages(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	wire := upstreamOf(r).kind
	req, err := parseRequest(body, true)
	now := s.clock.Now()
	if err != nil {
		s.count(r, req.model, "invalid")
		s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	up := upstreamOf(r)
	rs, refused, c := s.limits.admit(up, req.model, int64(req.inputTokens), int64(req.maxTokens), now)
	if sendsRateHeaders(wire) {
		setRateHeaders(h, rs)
	}
	if refused != nil {
		s.count(r, req.model, "rate_limited")
		if sendsRateHeaders(wire) {
			h.Set("retry-after", strconv.FormatInt(max(1, retryAfterSeconds(refused.wait)), 10))
		}
		s.writeError(w, r, http.StatusTooManyRequests, "rate_limit_error", fmt.Sprintf(
			"This request would exceed the rate limit for your organization of %d %s per minute for %s (simulated). Please try again later.",
			refused.limit, refused.what, req.model))
		return
	}
	// The output tokens were taken at max_tokens; what the answer did not
	// produce (all of it when a fault answers instead) is given back at
	// its end, as the API corrects its estimate.
	produced := 0
	defer func() { s.limits.settle(c, int64(produced), s.clock.Now()) }()
	p := s.plan(r, req.model, req.stream)
	s.count(r, req.model, p.outcome())
	ans := s.compose(req, p.toolUse)
	if req.stream {
		if !s.preAnswer(w, r, &p, req.model, nil) {
			produced = s.stream(w, r, req, ans, &p)
		}
		return
	}
	if wire == KindBedrock {
		setBedrockUsage(h, req, ans)
	}
	msg := s.messageBody(req, ans, false)
	out := marshal(msg)
	if !s.preAnswer(w, r, &p, req.model, out) {
		produced = msg.Usage.OutputTokens
		writeJSON(w, http.StatusOK, out)
	}
}

// handleCountTokens answers POST /v1/messages/count_tokens.
func (s *Server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	req, err := parseRequest(body, false)
	if err != nil {
		s.count(r, req.model, "invalid")
		s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	s.peekRateHeaders(w, r, req.model)
	p := s.plan(r, req.model, false)
	s.count(r, req.model, p.outcome())
	out := []byte(`{"input_tokens":` + strconv.Itoa(req.inputTokens) + `}`)
	if !s.preAnswer(w, r, &p, req.model, out) {
		writeJSON(w, http.StatusOK, out)
	}
}

// messageBody is the message object of ans: complete, or as message_start
// sends it (start: empty content, no stop reason, output_tokens 1).
func (s *Server) messageBody(req *request, ans *answer, start bool) messageBody {
	m := messageBody{
		ID:      newID("msg_01", 22),
		Type:    "message",
		Role:    "assistant",
		Model:   req.model,
		Content: []any{},
		Usage: usageBody{
			InputTokens:  req.inputTokens,
			OutputTokens: 1,
			ServiceTier:  "standard",
		},
	}
	if start {
		return m
	}
	stop := ans.stopReason
	m.StopReason = &stop
	m.Usage.OutputTokens = max(1, ans.units())
	if ans.tool != nil {
		m.Content = append(m.Content, toolUseBlock{Type: "tool_use", ID: ans.tool.id, Name: ans.tool.name, Input: ans.tool.input})
	} else {
		m.Content = append(m.Content, textBlock{Type: "text", Text: ans.fullText()})
	}
	return m
}
