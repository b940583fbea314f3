package tracing

import (
	"encoding/json"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
)

// Response is what an answer (or one of its stream events) says of
// itself; fields it does not carry are left zero and set nothing.
type Response struct {
	// ID is the message id (gen_ai.response.id).
	ID string
	// Model is the model that answered, as the upstream names it
	// (gen_ai.response.model).
	Model string
	// FinishReason is the message's stop_reason
	// (gen_ai.response.finish_reasons).
	FinishReason string
	// Usage is the token count the answer reports; each field is set
	// only when the answer carries it.
	Usage Usage
}

// Usage is an answer's token usage (the Messages API's usage object). A
// nil field was not in the answer.
type Usage struct {
	// InputTokens is usage.input_tokens: the prompt's tokens not read
	// from or written to the cache.
	InputTokens *int64 `json:"input_tokens"`
	// OutputTokens is usage.output_tokens (in a stream, message_delta's
	// count is the whole answer's).
	OutputTokens *int64 `json:"output_tokens"`
	// CacheCreationInputTokens is usage.cache_creation_input_tokens.
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	// CacheReadInputTokens is usage.cache_read_input_tokens.
	CacheReadInputTokens *int64 `json:"cache_read_input_tokens"`
}

// message is the part of a Messages answer a span records.
type message struct {
	ID         string `json:"id"`
	Model      string `json:"model"`
	StopReason string `json:"stop_reason"`
	Usage      Usage  `json:"usage"`
}

// MessageResponse reads a whole Messages answer (a message object's JSON);
// the zero Response when body is not one.
func MessageResponse(body []byte) Response {
	var m message
	if json.Unmarshal(body, &m) != nil {
		return Response{}
	}
	return Response{ID: m.ID, Model: m.Model, FinishReason: m.StopReason, Usage: m.Usage}
}

// EventResponse reads the data of a stream event: message_start's message
// (id, model, input usage) or message_delta's stop_reason and usage; the
// zero Response for any other event.
func EventResponse(name string, data []byte) Response {
	switch name {
	case "message_start":
		var ev struct {
			Message message `json:"message"`
		}
		if json.Unmarshal(data, &ev) != nil {
			return Response{}
		}
		m := ev.Message
		return Response{ID: m.ID, Model: m.Model, FinishReason: m.StopReason, Usage: m.Usage}
	case "message_delta":
		var ev struct {
			Delta struct {
				StopReason string `json:"stop_reason"`
			} `json:"delta"`
			Usage Usage `json:"usage"`
		}
		if json.Unmarshal(data, &ev) != nil {
			return Response{}
		}
		return Response{FinishReason: ev.Delta.StopReason, Usage: ev.Usage}
	}
	return Response{}
}

// Record sets r's attributes on sp: gen_ai.response.id, .model,
// .finish_reasons and gen_ai.usage.* — input_tokens counting the cached
// ones too, as the GenAI conventions ask for Anthropic, beside
// cache_read.input_tokens and cache_creation.input_tokens. A later Record
// overwrites what an earlier one set (a stream's message_delta after its
// message_start). It does nothing when sp is not recording.
func (r Response) Record(sp trace.Span) {
	if !sp.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 7)
	if r.ID != "" {
		attrs = append(attrs, semconv.GenAIResponseID(r.ID))
	}
	if r.Model != "" {
		attrs = append(attrs, semconv.GenAIResponseModel(r.Model))
	}
	if r.FinishReason != "" {
		attrs = append(attrs, semconv.GenAIResponseFinishReasons(r.FinishReason))
	}
	u := r.Usage
	if u.InputTokens != nil {
		in := *u.InputTokens + val(u.CacheCreationInputTokens) + val(u.CacheReadInputTokens)
		attrs = append(attrs, semconv.GenAIUsageInputTokens(int(in)))
	}
	if u.CacheCreationInputTokens != nil {
		attrs = append(attrs, semconv.GenAIUsageCacheCreationInputTokens(int(*u.CacheCreationInputTokens)))
	}
	if u.CacheReadInputTokens != nil {
		attrs = append(attrs, semconv.GenAIUsageCacheReadInputTokens(int(*u.CacheReadInputTokens)))
	}
	if u.OutputTokens != nil {
		attrs = append(attrs, semconv.GenAIUsageOutputTokens(int(*u.OutputTokens)))
	}
	sp.SetAttributes(attrs...)
}

// RecordServer records where an attempt went on sp, an attempt's span:
// server.address and server.port (the URL's, or 443/80 by its scheme).
func RecordServer(sp trace.Span, u *url.URL) {
	if u == nil || !sp.IsRecording() {
		return
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 443
		if u.Scheme == "http" {
			port = 80
		}
	}
	sp.SetAttributes(semconv.ServerAddress(u.Hostname()), semconv.ServerPort(port))
}

// RecordMessage records what a whole Messages answer says of itself
// (MessageResponse) on sp, an attempt's span; body is read only when sp
// is recording.
func RecordMessage(sp trace.Span, body []byte) {
	if sp.IsRecording() {
		MessageResponse(body).Record(sp)
	}
}

// RecordEvent records what a stream event says of the answer
// (EventResponse: message_start, message_delta) on sp, an attempt's span;
// data is read only when sp is recording and the event is one of those.
func RecordEvent(sp trace.Span, name string, data []byte) {
	if (name == "message_start" || name == "message_delta") && sp.IsRecording() {
		EventResponse(name, data).Record(sp)
	}
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
