package sim

import (
	"fmt"
	"net/http"
	"time"
)

// Rule is one fault: which requests it matches, how often it applies, and
// what it does. Its JSON form is the wire contract of PUT/GET /_sim/faults
// and of the --faults file, e.g.
//
//	{"model":"claude-sonnet-5-5","status":529,"rate":0.3,"retry_after":"2s"}
//	{"model":"*","latency":"20ms"}
//	{"model":"*","stall_after_tokens":5,"stall":"500ms"}
//	{"model":"*","stream_error":true,"stream_error_after_tokens":0}
//	{"model":"claude-sonnet-5-5","status":529,"every":2}
//
// Every rule whose Model matches a request is considered in order, each with
// its own Rate draw (and, with Every, its own count). All that apply add
// their Latency; the first that applies and produces a fault (Reset, Hang, Status, Malformed, or on streams
// StreamError / a stall) decides the fault. Stream-only faults are skipped for
// non-streaming requests, leaving the next rule free to fault.
// Within one rule the fault kinds rank Reset > Hang > Status > Malformed >
// stream faults; a rule may both stall and then end with a stream error.
//
// Rules apply to POST /v1/messages, POST /v1/messages/count_tokens (matched
// by the model in the body), Bedrock's invoke and Vertex's rawPredict
// (matched by the first-party name of the model in the URL, e.g.
// "claude-sonnet-5-5" for us.anthropic.claude-sonnet-5-5-v1:0), and
// GET /v1/models, POST /v1/messages/batches and POST /v1/files (matched only
// by "*"), on every upstream unless Upstream names one. On Bedrock and
// Vertex a fault takes that provider's shape: an error status is Bedrock's
// exception or Google's error, a stream error Bedrock's exception frame.
type Rule struct {
	// Model is the exact model name the rule matches, or "*" for every model.
	// Required.
	Model string `json:"model"`
	// Upstream limits the rule to the requests of one upstream: its name
	// (the first path segment, e.g. "bedrock-us" for /bedrock-us/model/…)
	// or its kind ("anthropic", "bedrock", "vertex", "bedrock-mantle",
	// "aws", "google-cloud", "foundry"). Empty or "*" matches every
	// upstream. {"upstream":"anthropic","model":"*","status":529} takes the
	// first-party API down while Bedrock answers.
	Upstream string `json:"upstream,omitempty"`
	// Rate is the chance, 0..1, that the rule applies to a matching request,
	// drawn from the server's seeded generator. 0 (or absent) means 1: always.
	Rate float64 `json:"rate,omitempty"`
	// Every, when above 1, applies the rule to one matching request in every
	// Every, starting with the first (the 1st, the Every+1th, ...); the
	// others pass as if it did not exist. The count is the rule's own, over
	// the requests it matches (after Rate), from when it was set (PUT
	// /_sim/faults, WithRules, or the start of the server for a script's).
	// {"status":529,"every":2} fails every other call: one request at a
	// time, each fails its first call and is answered on its retry. 0 or 1
	// means every matching request.
	Every int `json:"every,omitempty"`

	// Status answers with this HTTP status (400..599) and an Anthropic error
	// body, {"type":"error","error":{"type":...,"message":...},"request_id":...}.
	Status int `json:"status,omitempty"`
	// ErrorType is error.type for Status or for the stream error. Default:
	// from the status (400 invalid_request_error, 401 authentication_error,
	// 402 billing_error, 403 permission_error, 404 not_found_error,
	// 409 conflict_error, 413 request_too_large, 429 rate_limit_error,
	// 504 timeout_error, 529 overloaded_error, other 4xx
	// invalid_request_error, other 5xx api_error); for a stream error,
	// overloaded_error.
	ErrorType string `json:"error_type,omitempty"`
	// Message overrides error.message (default: a short message for the type,
	// e.g. "Overloaded").
	Message string `json:"message,omitempty"`
	// RetryAfter, with Status, adds the headers retry-after (whole seconds,
	// rounded up) and retry-after-ms.
	RetryAfter Duration `json:"retry_after,omitempty"`
	// ShouldRetry, when set, adds x-should-retry: true|false to the rule's
	// answer (status, malformed or stream).
	ShouldRetry *bool `json:"should_retry,omitempty"`
	// EchoKey makes the rule's answer echo the request's credentials, as a
	// misbehaving upstream or proxy might: the x-api-key value (else the
	// Authorization value) in an x-echo-key header and, for an error
	// (Status, StreamError), at the end of error.message. For tests that a
	// gateway never passes a key on.
	EchoKey bool `json:"echo_key,omitempty"`

	// ToolUse makes the answer a tool_use of the tool of that name, or of
	// the first tool the request offers with "*" (tool_choice, when it
	// names one, wins). It applies once per user turn: a request whose last
	// message is a tool_result, or that offers no such tool, gets its text
	// answer, so an agent loop ends. Not a fault: it combines with latency
	// and faults as Latency does. Without it the simulator answers with text
	// unless tool_choice forces a tool.
	ToolUse string `json:"tool_use,omitempty"`

	// Latency delays the answer by this long (before any fault). Latencies
	// of all applying rules add up.
	Latency Duration `json:"latency,omitempty"`
	// Hang never answers: the request stays open until the client goes away
	// or Server.Close is called (which then drops the connection).
	Hang bool `json:"hang,omitempty"`
	// Reset cuts the TCP connection (RST, no HTTP answer). Where the
	// connection cannot be hijacked (HTTP/2, an httptest.ResponseRecorder)
	// the handler aborts with http.ErrAbortHandler instead.
	Reset bool `json:"reset,omitempty"`
	// Malformed answers 200 with a JSON body cut in the middle; on a stream,
	// a content_block_delta whose data line is broken JSON, then the end.
	Malformed bool `json:"malformed,omitempty"`

	// StallAfterTokens makes a stream go silent after this many output
	// tokens (text words or tool-input chunks). With StreamStall, 0 stalls
	// before the first delta (after message_start, content_block_start and
	// ping). A stream shorter than N stalls at the end of its content.
	StallAfterTokens int `json:"stall_after_tokens,omitempty"`
	// Stall is how long the stream stays silent before it carries on to its
	// normal end; 0 means until the client goes away or Server.Close.
	// Stall > 0 alone makes a stall rule (stalling after StallAfterTokens).
	Stall Duration `json:"stall,omitempty"`
	// StreamStall marks a stall rule even when StallAfterTokens and Stall are
	// both 0 (i.e. silent forever before the first delta). StallAfterTokens
	// > 0 or Stall > 0 imply it.
	StreamStall bool `json:"stream_stall,omitempty"`

	// StreamError makes a stream end with an SSE error event,
	// event: error / data: {"type":"error","error":{"type":ErrorType,...}},
	// after StreamErrorAfterTokens output tokens (0: right after
	// message_start, before content_block_start). The HTTP status stays 200.
	// StreamErrorAfterTokens > 0 implies it.
	StreamError bool `json:"stream_error,omitempty"`
	// StreamErrorAfterTokens is the number of output tokens sent before the
	// stream error. A stream shorter than N errors at the end of its content.
	StreamErrorAfterTokens int `json:"stream_error_after_tokens,omitempty"`
}

// faultKind is what a rule does to a request, if anything.
type faultKind uint8

const (
	faultNone faultKind = iota
	faultReset
	faultHang
	faultStatus
	faultMalformed
	faultStreamError
	faultStall
)

// outcome is the Stats outcome key of a fault.
func (k faultKind) outcome(status int) string {
	switch k {
	case faultReset:
		return "reset"
	case faultHang:
		return "hang"
	case faultStatus:
		return fmt.Sprintf("status_%d", status)
	case faultMalformed:
		return "malformed"
	case faultStreamError:
		return "stream_error"
	case faultStall:
		return "stall"
	}
	return "ok"
}

// matches reports whether the rule applies to model on upstream up: its
// Model is "*" or the model, and its Upstream is empty, "*", up's name or
// up's kind.
func (r *Rule) matches(up upstream, model string) bool {
	return (r.Model == "*" || r.Model == model) &&
		(r.Upstream == "" || r.Upstream == "*" || r.Upstream == up.name || r.Upstream == up.kind)
}

func (r *Rule) streamErrors() bool { return r.StreamError || r.StreamErrorAfterTokens > 0 }

func (r *Rule) stalls() bool { return r.StreamStall || r.StallAfterTokens > 0 || r.Stall > 0 }

// fault returns what the rule does to a request; stream-only faults count only
// when stream is true.
func (r *Rule) fault(stream bool) faultKind {
	switch {
	case r.Reset:
		return faultReset
	case r.Hang:
		return faultHang
	case r.Status != 0:
		return faultStatus
	case r.Malformed:
		return faultMalformed
	case stream && r.streamErrors():
		return faultStreamError
	case stream && r.stalls():
		return faultStall
	}
	return faultNone
}

// validate reports the first problem of a rule in words a person can act on.
func (r *Rule) validate() error {
	switch {
	case r.Model == "":
		return fmt.Errorf(`model is required (a model name or "*")`)
	case r.Rate < 0 || r.Rate > 1 || r.Rate != r.Rate:
		return fmt.Errorf("rate %v is outside 0..1", r.Rate)
	case r.Status != 0 && (r.Status < 400 || r.Status > 599):
		return fmt.Errorf("status %d is not an error status (400..599)", r.Status)
	case r.ErrorType != "" && r.Status == 0 && !r.streamErrors():
		return fmt.Errorf("error_type %q needs status or stream_error", r.ErrorType)
	case r.RetryAfter != 0 && r.Status == 0:
		return fmt.Errorf("retry_after needs status")
	case r.Every < 0:
		return fmt.Errorf("every %d is negative", r.Every)
	case r.StallAfterTokens < 0:
		return fmt.Errorf("stall_after_tokens %d is negative", r.StallAfterTokens)
	case r.StreamErrorAfterTokens < 0:
		return fmt.Errorf("stream_error_after_tokens %d is negative", r.StreamErrorAfterTokens)
	case r.Latency < 0 || r.Stall < 0 || r.RetryAfter < 0:
		return fmt.Errorf("durations must not be negative")
	}
	return nil
}

// errorTypeFor is the error.type the real API uses with status, per its
// errors page. The simulator plays the API and must not agree with the
// gateway by sharing its code: this table is kept apart from taxonomy's on
// purpose, and the gateway's tests against the simulator check one with the
// other.
func errorTypeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusConflict:
		return "conflict_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	case 529:
		return "overloaded_error"
	}
	if status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

// messageFor is a default error.message for an error type.
func messageFor(errType, model string) string {
	switch errType {
	case "invalid_request_error":
		return "Invalid request (simulated)."
	case "authentication_error":
		return "invalid x-api-key"
	case "billing_error":
		return "Your credit balance is too low to access the Anthropic API."
	case "permission_error":
		return "Your API key does not have permission to use the specified resource."
	case "not_found_error":
		if model != "" {
			return "model: " + model
		}
		return "Not found"
	case "timeout_error":
		return "Request timed out"
	case "conflict_error":
		return "Conflict"
	case "request_too_large":
		return "Request exceeds the maximum allowed number of bytes."
	case "rate_limit_error":
		return "This request would exceed your rate limit. Please try again later."
	case "overloaded_error":
		return "Overloaded"
	}
	return "Internal server error"
}

// retryAfterSeconds rounds d up to whole seconds, as the retry-after header
// carries them.
func retryAfterSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	return s
}
