// Package demo is `bulwark demo`: one bad hour of the Anthropic API, squeezed
// into a short run on the built-in simulator, seen by an agent's users with
// and without bulwark.
//
// [Run] starts two simulators that play the same incident [Script] with the
// same seed, and sends the same open-loop traffic through both at once: one
// behind the official SDK used as most tutorials write it (its defaults: 2
// retries, a 10-minute timeout, one model), one behind a [bulwark.Guard]'s
// Handle with an interactive profile scaled to the demo. Every request is
// judged from the end user's side ([Verdict]): an answer, a friendly
// message, an error, or nothing at all. The result renders as a text summary
// ([WriteSummary], which explains any phase the plain SDK won by waiting:
// [PlainAheadNotes]) and as a self-contained HTML report with an SVG chart
// ([WriteReport]).
//
// Everything but Run is a pure function of its inputs, tested on its own.
package demo
