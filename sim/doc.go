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
//     max_tokens (stop_reason "max_tokens"). The answer is text unless
//     tool_choice forces a tool ("any" or "tool") or a fault rule asks for
//     one (Rule.ToolUse): then it is a tool_use block (stop_reason
//     "tool_use") whose input fills the tool's required properties; after a
//     tool_result the answer is text. Requests are checked as the current
//     API checks them (blocks.go): roles user, assistant and system (a
//     mid-conversation system message of text blocks), the API's content
//     block types, and Claude Code's "<system-reminder>" text blocks are
//     accepted but left out of the quoted prompt.
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
//   - Every API answer has request-id and (on the first-party wire, see Rate
//     limits) anthropic-ratelimit-* headers; errors have the shape {"type":"error","error":{"type","message"},"request_id"}.
//     Invalid requests get the real API's 400 invalid_request_error messages
//     (e.g. "max_tokens: Field required"); unknown paths 404 and wrong methods
//     405, both not_found_error; bodies over 32 MiB 413 request_too_large.
//     First-party API keys and anthropic-version are not checked, and keys are never
//     echoed — unless a rule asks for it (echo_key), to test that a gateway
//     passes no key on.
//
// # Providers (DESIGN §13)
//
// The same answers and faults are served on each provider's wire. A
// request's upstream name is its first path segment when that segment is
// not one the APIs use (v1, model, anthropic): /anthropic-b/v1/messages is
// upstream "anthropic-b", the rest is routed as /v1/messages. Without one
// the name is the kind's ("anthropic", "bedrock", ...). Rules match a name
// or a kind (Rule.Upstream) and Stats.Upstreams counts per name.
//
//   - anthropic: /v1/... as above; any key or none.
//   - bedrock: POST /model/{id}/invoke and /invoke-with-response-stream
//     (bedrock.go, eventstream.go). The id (a model, an inference profile,
//     an ARN) maps to the first-party name ("us.anthropic.claude-sonnet-5-5-v1:0"
//     is claude-sonnet-5-5). The body has no model or stream and
//     anthropic_version "bedrock-2023-05-31" (a first-party version date is
//     accepted too, as the Go SDK sends one), else 400 ValidationException.
//     Answers: the message with x-amzn-requestid and
//     x-amzn-bedrock-*-token-count headers; streams are
//     application/vnd.amazon.eventstream frames (the AWS SDK's encoder),
//     chunk events carrying the base64 event, message_stop carrying
//     amazon-bedrock-invocationMetrics. Errors: x-amzn-errortype and
//     {"message"}; 429 ThrottlingException, 400 ValidationException, 500
//     InternalServerException, 503 and 529 (sent as 503)
//     ServiceUnavailableException. Stream errors are exception frames:
//     throttlingException (rate_limit_error), modelStreamErrorException
//     (overloaded_error), internalServerException (api_error),
//     validationException (invalid_request_error).
//   - vertex: POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{id}:rawPredict
//     and :streamRawPredict (SSE as first-party), …/models/count-tokens:rawPredict
//     (vertex.go). Body without model, anthropic_version "vertex-2023-10-16".
//     Errors are Google's, {"error":{"code","message","status"}}
//     (RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL, INVALID_ARGUMENT, ...),
//     wrapped in a JSON array on :streamRawPredict, never with retry-after.
//   - bedrock-mantle, aws, google-cloud, foundry: the first-party wire at
//     another base URL (/v1/..., /anthropic/v1/..., and google-cloud's
//     /v1/projects/{p}/locations/{l}/workspaces/{w}/invoke/v1/...), Anthropic
//     errors. The path cannot tell these from the first-party API, so the
//     credential does (cloudauth.go), then a name starting with the kind
//     ("foundry-eu"), which then demands that kind's credential.
//
// Auth and its test credentials (cloudauth.go, google_token.go): SigV4
// signatures are verified with the AWS SDK's signer against [AWSAccessKeyID]
// and [AWSSecretAccessKey] (any region; services bedrock, bedrock-mantle,
// aws-external-anthropic); "Authorization: Bearer [AWSBearerToken]" is a
// Bedrock API key (bedrock, bedrock-mantle). Google kinds need a bearer
// issued by POST /_sim/google/token (the JWT-bearer grant of the service
// account in GET /_sim/google/service-account.json, whose token_uri points
// back here) or by the GCE metadata paths (/computeMetadata/v1/..., with
// Metadata-Flavor: Google; set GCE_METADATA_HOST to the sim's host:port).
// Foundry takes api-key or x-api-key [FoundryAPIKey], or Bearer [EntraToken].
// Refusals: Bedrock 403 AccessDeniedException, UnrecognizedClientException
// or InvalidSignatureException; Vertex 401 UNAUTHENTICATED; the others 401
// authentication_error or 403 permission_error.
//
// # Faults
//
// A [Rule] matches a model (or "*") with a rate, and adds latency and/or one
// fault: an error status, a hang, a connection reset, a malformed body, a
// stall or an SSE error mid-stream. Rules come from [WithRules], [Server.SetRules]
// or PUT /_sim/faults (live rules), and from a [Script] timeline of phases;
// rate limits add real 429s (below).
//
// # Rate limits
//
// A [Limit] sets token buckets for an upstream (name, kind or "*") and model
// (or "*"), kept per upstream name and model (ratelimit.go, limits.go; the
// arithmetic in bucket.go): requests, input tokens and output tokens per
// minute, each refilled continuously as the API's are. A request takes one
// request, its estimated input tokens (usage.input_tokens) and its
// max_tokens of output; when its answer ends it gets back the output it did
// not produce (all of it when a fault answers). A request some bucket
// cannot hold gets the API's 429 rate_limit_error with retry-after (whole
// seconds until every bucket can) and takes nothing; one larger than a
// whole bucket waits for a full one. Answers on the first-party wire (not
// Bedrock's or Vertex's own, whose 429 is their throttling error) carry
// anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining,reset}
// from the buckets (remaining exact, not rounded; reset the RFC 3339 second
// when the bucket is full again) and tokens-* as their sum. An unlimited
// dimension advertises 4000 requests, 2,000,000 input and 400,000 output
// tokens, always full. Limits come from [WithLimits], [Server.SetLimits] or
// PUT /_sim/limits; [WithRPM] adds an older sliding-window request limit
// per model that applies besides them.
//
// # Admin endpoints
//
//   - PUT /_sim/faults with {"rules":[...]} replaces the live rules (400 with a
//     clear message for bad JSON, unknown fields, bad durations or values);
//     GET /_sim/faults returns {"rules":[...]} plus "phase" and "phase_rules"
//     when a script runs.
//   - PUT /_sim/limits with {"limits":[...]} replaces the rate limits and
//     refills every bucket (400 for bad JSON, unknown fields, a missing model
//     or a negative limit); GET /_sim/limits returns them.
//   - GET /_sim/stats returns [Stats]; POST /_sim/reset clears it and
//     refills every bucket (204).
//
// The simulator reads time from a [github.com/bulwarkhq/bulwark/clock.Clock] ([WithClock]), so tests drive
// latencies, stalls and script phases with a fake clock instead of sleeping.
package sim
