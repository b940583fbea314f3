package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// agentRequest is the body of POST /v1/agent.
type agentRequest struct {
	Message *string `json:"message"`
	System  *string `json:"system"`
	UserID  *string `json:"user_id"`
}

// agentResponse is its answer, always with status 200.
type agentResponse struct {
	Content   string `json:"content"`
	Success   bool   `json:"success"`
	Notice    string `json:"notice,omitempty"`
	RequestID string `json:"request_id"`
}

// handleAgent serves POST /v1/agent: one user message in, text a person can
// read out, always 200. The answer is the model's text, or the configured
// Unavailable/Timeout message: never upstream error text. Only malformed
// input gets an error (400, with a message saying what is wrong).
func (s *Server) handleAgent(w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(w, r, EndpointAgent)
	defer x.finish()
	if !x.authenticate() || !x.readBody() || !x.checkContentType() {
		return
	}
	var req agentRequest
	dec := json.NewDecoder(strings.NewReader(string(x.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		x.agentBadRequest(`The body must be a JSON object {"message": "...", "system": "...", "user_id": "..."}; only "message" is required.`)
		return
	}
	if req.Message == nil || strings.TrimSpace(*req.Message) == "" {
		x.agentBadRequest(`"message" is required and must be a non-empty string.`)
		return
	}
	if !x.pickProfile() {
		return
	}
	user := ""
	if req.UserID != nil {
		user = *req.UserID
	}
	if !x.checkUser(user) {
		if x.status == 0 { // cut off by the per-user breaker: an answer, not an error
			x.agentAnswer(s.set.messages.Unavailable, false, "")
		}
		return
	}
	// Build the Messages request the agent turn stands for.
	b := make([]byte, 0, 128+len(*req.Message))
	b = append(b, `{"model":`...)
	b = jsonscan.AppendString(b, s.agentTier)
	b = append(b, `,"max_tokens":`...)
	b = strconv.AppendInt(b, int64(s.set.agentTokens), 10)
	if req.System != nil && *req.System != "" {
		b = append(b, `,"system":`...)
		b = jsonscan.AppendString(b, *req.System)
	}
	if user != "" {
		b = append(b, `,"metadata":{"user_id":`...)
		b = jsonscan.AppendString(b, user)
		b = append(b, '}')
	}
	b = append(b, `,"messages":[{"role":"user","content":`...)
	b = jsonscan.AppendString(b, *req.Message)
	b = append(b, `}]}`...)
	x.body = b
	if err := jsonscan.ScanRequest(x.body, &x.f); err != nil {
		x.agentAnswer(s.set.messages.Unavailable, false, "")
		return
	}
	if x.trace != nil {
		x.trace.SetModel(s.agentTier, s.set.agentTokens)
	}
	x.chain = s.chainFor(s.agentTier)
	if x.chain.chain.Cache {
		x.cacheKey = x.requestCacheKey()
	}
	x.agentRespond(x.run())
}

func (x *exchange) agentBadRequest(msg string) {
	x.fail(http.StatusBadRequest, "invalid_request_error", msg, 0)
}

// agentRespond turns a run into the agent's answer.
func (x *exchange) agentRespond(out *outcome) {
	m := x.s.set.messages
	if out.Reason == engine.Canceled {
		x.status = statusClientClosed
		return
	}
	if a := out.Answer.whole; out.Reason == engine.Answered && a != nil && a.body != nil {
		if text := answerText(a.body.Bytes()); text != "" {
			x.modelUsed, x.fallback = out.Model, out.Fallback
			notice := ""
			if out.Fallback {
				notice = m.Notice
			}
			x.cachePut(a)
			x.agentAnswer(text, true, notice)
			return
		}
	}
	if out.Reason != engine.Answered && out.Reason != engine.Rejected && x.cacheKey != "" && x.s.store != nil {
		if e, ok := x.s.store.CacheGet(x.ctx, x.cacheKey); ok {
			if text := answerText(e.Body); text != "" {
				x.degraded, x.modelUsed, x.fallback = DegradedCache, e.Model, true
				x.agentAnswer(text, true, m.Notice)
				return
			}
		}
	}
	x.degraded = DegradedStatic
	if out.Reason == engine.DeadlineExceeded {
		x.agentAnswer(m.Timeout, false, "")
		return
	}
	x.agentAnswer(m.Unavailable, false, "")
}

func (x *exchange) agentAnswer(content string, success bool, notice string) {
	b, _ := json.Marshal(agentResponse{Content: content, Success: success, Notice: notice, RequestID: x.id})
	h := x.w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	if x.out != nil {
		x.setOutcomeHeaders(&x.out.Report)
	}
	x.status = http.StatusOK
	x.w.WriteHeader(http.StatusOK)
	_, _ = x.w.Write(b)
}

// answerText joins the text blocks of a message body.
func answerText(body []byte) string {
	var m struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var sb strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			sb.WriteString(c.Text)
		}
	}
	return strings.TrimSpace(sb.String())
}
