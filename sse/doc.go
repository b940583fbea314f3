// Package sse reads and writes Server-Sent Events as the Anthropic Messages
// API streams them (DESIGN §5).
//
// [Reader] yields one event at a time: its raw bytes, to forward verbatim,
// its event name and its data payload. It holds at most one event in memory
// (bounded by [Reader.MaxEventSize], 1 MiB by default) and reuses its buffer,
// so the memory of a stream does not grow with its length and reading an
// event allocates nothing once the buffer has grown to fit.
//
// [WriteEvent] and [WriteError] write events; [AppendError] builds the
// Anthropic error payload, {"type":"error","error":{"type":...,"message":...}}.
//
// [CommitPoint] says which event is a stream's commit point (the first
// content_block_delta with content, or message_stop); both faces, the
// library and the gateway, hold events back until it.
package sse
