package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// bedrockStream sends a stream's events as InvokeModelWithResponseStream
// does: AWS event-stream frames (prelude, headers, payload, CRCs), each
// first-party event a "chunk" event whose payload is
// {"bytes":"<base64 of the event's JSON>","p":"<padding>"}; the SSE error
// event becomes an exception frame. ping events are not sent; message_stop
// carries "amazon-bedrock-invocationMetrics".
type bedrockStream struct {
	s         *Server
	w         http.ResponseWriter
	rc        *http.ResponseController
	enc       *eventstream.Encoder
	start     time.Time
	firstByte time.Duration // until the first content_block_delta; -1 before it
	usage     deltaUsage    // input tokens from message_start, the rest from message_delta
	err       error
}

// bedrockStream starts a 200 event-stream answer on w.
func (s *Server) bedrockStream(w http.ResponseWriter) *bedrockStream {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	h.Set("X-Amzn-Bedrock-Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return &bedrockStream{s: s, w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder(),
		start: s.clock.Now(), firstByte: -1}
}

// invocationMetrics is what Bedrock adds to the message_stop chunk.
type invocationMetrics struct {
	InputTokenCount           int   `json:"inputTokenCount"`
	OutputTokenCount          int   `json:"outputTokenCount"`
	InvocationLatency         int64 `json:"invocationLatency"`
	FirstByteLatency          int64 `json:"firstByteLatency"`
	CacheReadInputTokenCount  int   `json:"cacheReadInputTokenCount"`
	CacheWriteInputTokenCount int   `json:"cacheWriteInputTokenCount"`
}

func (b *bedrockStream) event(name string, data []byte) bool {
	switch name {
	case "ping":
		return b.err == nil
	case "error":
		var e errorBody
		_ = json.Unmarshal(data, &e)
		return b.exception(streamException(e.Error.Type), e.Error.Message)
	case "message_start":
		var ev messageStartEvent
		if json.Unmarshal(data, &ev) == nil {
			b.usage.InputTokens = ev.Message.Usage.InputTokens
		}
	case "content_block_delta":
		if b.firstByte < 0 {
			b.firstByte = b.s.clock.Now().Sub(b.start)
		}
	case "message_delta":
		var ev messageDeltaEvent
		if json.Unmarshal(data, &ev) == nil {
			b.usage = ev.Usage
		}
	case "message_stop":
		b.firstByte = max(b.firstByte, 0)
		data = marshal(struct {
			Type    string            `json:"type"`
			Metrics invocationMetrics `json:"amazon-bedrock-invocationMetrics"`
		}{"message_stop", invocationMetrics{
			InputTokenCount:           b.usage.InputTokens,
			OutputTokenCount:          b.usage.OutputTokens,
			InvocationLatency:         b.s.clock.Now().Sub(b.start).Milliseconds(),
			FirstByteLatency:          b.firstByte.Milliseconds(),
			CacheReadInputTokenCount:  b.usage.CacheReadInputTokens,
			CacheWriteInputTokenCount: b.usage.CacheCreationInputTokens,
		}})
	}
	payload := marshal(struct {
		Bytes string `json:"bytes"`
		P     string `json:"p"`
	}{base64.StdEncoding.EncodeToString(data), padding(len(data))})
	return b.frame(eventstream.Headers{
		{Name: ":event-type", Value: eventstream.StringValue("chunk")},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		{Name: ":message-type", Value: eventstream.StringValue("event")},
	}, payload)
}

// exception sends an exception frame; the stream ends after it.
func (b *bedrockStream) exception(typ, msg string) bool {
	b.frame(eventstream.Headers{
		{Name: ":exception-type", Value: eventstream.StringValue(typ)},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		{Name: ":message-type", Value: eventstream.StringValue("exception")},
	}, marshal(struct {
		Message string `json:"message"`
	}{msg}))
	return false
}

func (b *bedrockStream) frame(h eventstream.Headers, payload []byte) bool {
	if b.err != nil {
		return false
	}
	var buf bytes.Buffer
	if b.err = b.enc.Encode(&buf, eventstream.Message{Headers: h, Payload: payload}); b.err != nil {
		return false
	}
	if _, b.err = b.w.Write(buf.Bytes()); b.err == nil {
		b.err = b.rc.Flush()
	}
	return b.err == nil
}

// streamException is the exception type of Bedrock's stream for a
// first-party error type (an AWS exception name is kept as it is).
func streamException(errType string) string {
	switch errType {
	case "rate_limit_error":
		return "throttlingException"
	case "overloaded_error":
		return "modelStreamErrorException"
	case "invalid_request_error":
		return "validationException"
	case "timeout_error":
		return "modelTimeoutException"
	}
	if strings.HasSuffix(errType, "Exception") {
		return errType
	}
	return "internalServerException"
}

// padding is the "p" field Bedrock adds to each chunk so that frame sizes do
// not tell the content: letters, their number depending on n.
func padding(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return letters[:1+n%(len(letters)-1)]
}
