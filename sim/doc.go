// Package sim is an imitation of the Anthropic Messages API with scriptable
// faults. It is bulwark's embedded default upstream (no API key needed), the
// test bed of its tests, and a chaos tool to aim an agent at.
//
// Fidelity is judged by the official SDKs: the shapes, event order and headers
// are the real API's, so the Go SDK (github.com/anthropics/anthropic-sdk-go/v2)
// decodes every answer, and every fault surfaces the way a real one does
// (an *anthropic.Error with the right status and Type, an SSE error event
// ending a stream, a connection reset, a decode error).
//
// # Endpoints
//
//   - POST /v1/messages: a message object, or with "stream": true the event
//     sequence message_start, content_block_start, ping, content_block_delta…,
//     content_block_stop, message_delta, message_stop. The text is
//     deterministic for a seed, model and prompt, and quotes the start of the
//     prompt ("Simulated answer from MODEL to “…”: …"). It is cut at
//     max_tokens (stop_reason "max_tokens"). When the request has tools and
//     the last user message names one (or tool_choice asks for one), the
//     answer is a tool_use block (stop_reason "tool_use") whose input fills
//     the tool's required properties; after a tool_result the answer is text.
//   - POST /v1/messages/count_tokens: {"input_tokens":N}, N about a quarter of
//     the characters of system, messages and tools, as in usage.input_tokens.
//   - GET /v1/models and /v1/models/{id}: the real list shape, listing
//     claude-sonnet-5-5, claude-haiku-5-5, claude-opus-5-5, claude-sonnet-4-5,
//     claude-haiku-4-5 and every model a rule names. Any model name is
//     accepted by /v1/messages; a retired model is simulated with a 404 rule.
//   - POST /v1/messages/batches and POST /v1/files (multipart/form-data with
//     a "file" part): a new message batch in progress, a new file object.
//     Only these create calls are simulated, so that tests can count
//     duplicates of calls with a lasting effect.
//   - Every API answer has request-id and anthropic-ratelimit-* headers;
//     errors have the shape {"type":"error","error":{"type","message"},"request_id"}.
//     Invalid requests get the real API's 400 invalid_request_error messages
//     (e.g. "max_tokens: Field required"); unknown paths 404 and wrong methods
//     405, both not_found_error; bodies over 32 MiB 413 request_too_large.
//     API keys and anthropic-version are not checked, and keys are never
//     echoed — unless a rule asks for it (echo_key), to test that a gateway
//     passes no key on.
//
// # Faults
//
// A [Rule] matches a model (or "*") with a rate, and adds latency and/or one
// fault: an error status, a hang, a connection reset, a malformed body, a
// stall or an SSE error mid-stream. Rules come from [WithRules], [Server.SetRules]
// or PUT /_sim/faults (live rules), and from a [Script] timeline of phases;
// [WithRPM] adds real 429s from a requests-per-minute limit.
//
// # Admin endpoints
//
//   - PUT /_sim/faults with {"rules":[...]} replaces the live rules (400 with a
//     clear message for bad JSON, unknown fields, bad durations or values);
//     GET /_sim/faults returns {"rules":[...]} plus "phase" and "phase_rules"
//     when a script runs.
//   - GET /_sim/stats returns [Stats]; POST /_sim/reset clears it (204).
//
// The simulator reads time from a [github.com/bulwarkhq/bulwark/clock.Clock] ([WithClock]), so tests drive
// latencies, stalls and script phases with a fake clock instead of sleeping.
package sim
