package bulwark

import (
	"context"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/bulwarkhq/bulwark/engine"
)

// Request is one turn of a conversation for Handle.
type Request struct {
	// Message is the user's text.
	Message string
	// System is the system prompt; optional.
	System string
	// UserID identifies the end user (sent as metadata.user_id); optional.
	UserID string
	// History holds earlier turns, oldest first; optional.
	History []anthropic.MessageParam
	// MaxTokens caps the answer; default 1024.
	MaxTokens int64
}

// Response is what to show the user. Content is never empty and never holds
// upstream error text.
type Response struct {
	// Content is the answer, or a friendly message when there is none.
	Content string
	// Success is true when a model answered.
	Success bool
	// Notice is set when a fallback model answered (see Messages.Notice).
	Notice string
	// ModelUsed is the model that answered; empty when none did.
	ModelUsed string
	// IsFallback is true when a model after the primary answered.
	IsFallback bool
	// ErrorContext is a short machine-readable reason when Success is false
	// (e.g. "exhausted: overloaded", "deadline"), for logs and support.
	ErrorContext string
	// Outcome holds every attempt.
	Outcome Outcome
}

// Handle answers one user message through the chain and always returns
// something to show: the model's answer, or the static message. A
// misconfiguration (a bad key, a retired model, no credit) is logged at ERROR
// with page=true rather than hidden behind the friendly message.
func (g *Guard) Handle(ctx context.Context, req Request) Response {
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = 1024
	}
	params := anthropic.MessageNewParams{
		MaxTokens: maxTokens,
		Messages:  append(append([]anthropic.MessageParam(nil), req.History...), anthropic.NewUserMessage(anthropic.NewTextBlock(req.Message))),
	}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	if req.UserID != "" {
		params.Metadata = anthropic.MetadataParam{UserID: anthropic.String(req.UserID)}
	}
	msg, out, _ := g.Messages(ctx, params)
	resp := Response{Outcome: out}
	if msg != nil {
		if text := textOf(msg); text != "" {
			resp.Content, resp.Success = text, true
			resp.ModelUsed, resp.IsFallback = out.Model, out.Fallback
			if out.Fallback {
				resp.Notice = g.messages.Notice
			}
			return resp
		}
		resp.ErrorContext = "empty_answer"
	} else {
		resp.ErrorContext = errorContext(out)
	}
	resp.Content = g.messages.Unavailable
	if out.Reason == engine.DeadlineExceeded {
		resp.Content = g.messages.Timeout
	}
	return resp
}

func textOf(m *anthropic.Message) string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return strings.TrimSpace(b.String())
}

// errorContext names why no model answered, without upstream text.
func errorContext(out Outcome) string {
	s := out.Reason.String()
	if len(out.Attempts) > 0 && out.Reason != engine.DeadlineExceeded && out.Reason != engine.Canceled {
		s += ": " + out.Last.Class.String()
	}
	if out.Paged {
		s += " (misconfiguration: see logs)"
	}
	return s
}
