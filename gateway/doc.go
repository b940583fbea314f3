// Package gateway is bulwark's Anthropic-compatible HTTP server (DESIGN §7):
// any client of the Messages API — the official SDKs, Claude Code, curl —
// points its base URL at it and gets retries, fallbacks, breakers and clean
// stream failures with no code change.
//
// One [Server] serves:
//
//   - POST /v1/messages: the Messages API, streamed or not, through the
//     engine's chain of model tiers. The body is forwarded as bytes with only
//     its top-level "model" rewritten per tier (internal/jsonscan reads
//     each request and each answer in one pass); a stream is held back until
//     its first content_block_delta with content (sse.CommitPoint) so that a
//     failure before it is retried or falls back invisibly, and after it
//     (or when a shutdown's grace ends) fails with an SSE error event. Its
//     breaker permit is settled when it really ends. Non-streamed calls ask
//     for gzip; every gzip answer is decoded (gzip.go).
//   - POST /v1/messages/count_tokens, GET /v1/models and every other /v1/*
//     path: forwarded with retries, no model fallback. A request that may
//     have a side effect (any POST but messages and count_tokens, any
//     DELETE) is resent only when the upstream certainly did not act on it
//     (sideeffect.go).
//   - POST /v1/agent: a plain-text turn that always answers 200 with
//     something a person can read.
//   - GET /healthz, /readyz and /v1/status.
//
// Client keys ([WithClientKeys]) guard every /v1/* path. /v1/status and the
// handlers mounted with [WithHandler] (/metrics, the dashboard) are admin
// paths: with client keys or an admin key ([WithAdminKey]) configured they
// take either, or the [AdminCookie] a browser gets from ?key=KEY; with
// neither they are open.
//
// Input the API would reject (a model that is not 1–256 bytes of printable
// ASCII, a stream that is not a boolean, a body that is not JSON) gets a
// 400 with no upstream call (validate.go); net/http's own plain-text
// rejections (431, bad framing) are rewritten in Anthropic's shape
// (httperr.go). Every error the gateway produces carries
// x-should-retry: false, so that the SDKs' retries do not multiply its own.
//
// Upstream calls go through [NewTransport] unless [WithTransport] gives
// another: HTTP/2 over TLS where the upstream offers it (one connection
// carries many streams, and is health-checked by pings), with one new
// connection at a time to a host known to speak it, and HTTP/1.1 otherwise
// (transport.go).
//
// Each request is an exchange (exchange.go) that only composes its roles:
// inbound (inbound.go: the parsed request, its checks, its ids), upstream
// (upstream.go, upstream_stream.go: each attempt built, sent and read, its
// reply — reply.go — handed back to the engine and carried by its outcome),
// responder (respond.go: what is written to the client) and record
// (record.go: the log line and the observer's Completion, whose outcome
// reaches the metrics as a typed metrics.Outcome).
//
// Decisions (how an outcome maps to an HTTP answer, which user a request
// counts against and whether its id is acceptable — at most
// [MaxUserIDBytes] — the cache key, who may see an admin path) are pure
// functions apart from the mechanics of proxying, and are table-tested on
// their own. [New] reserves a breaker for every model tier of the chains
// (breaker.Registry.Reserve), so that no model name a client sends can
// crowd them out.
package gateway
