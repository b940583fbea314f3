// Package jsonscan is bulwark's hand-written JSON fast path: one pass over a
// body's bytes, no decoding into Go values, no reflection, and no allocation
// for the bodies it is built for. It is faster than encoding/json and gjson
// on Messages requests (see the benchmarks), and fuzzed against encoding/json
// so that it accepts and rejects exactly what encoding/json does.
//
//   - [ScanRequest] checks that a Messages request is one JSON object and
//     finds, in the same pass, the top-level members the gateway needs
//     ([Request]: model, stream, messages, metadata.user_id, and where every
//     member lies, so that [Request.ReplaceModel] can rewrite the model
//     while keeping every other byte).
//   - [ScanResponse] checks that an upstream answer (a whole message, or one
//     stream event's data) is JSON and finds its usage in the same pass
//     ([Response]); [DecodeUsage] reads the token counts from it.
//   - [Valid] is json.Valid; [AppendString] is the inverse direction, a JSON
//     string encoder that writes what json.Marshal writes.
//
// Every body is scanned once: what a caller needs from it comes out of the
// pass that validates it.
package jsonscan
