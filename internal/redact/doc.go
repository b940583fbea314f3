// Package redact keeps configured secrets out of everything bulwark passes on
// or logs (DESIGN §7): the upstream API key, client keys, an admin key, the
// password of a Redis URL and, as they are added, the cloud credentials of
// DESIGN §13 — even when an upstream echoes one of them back.
//
// A [Redactor] is built from a list of secrets ([New]) and can take more at
// any time ([Redactor.Add], safe while it is in use, for credentials that
// rotate). It replaces every secret it finds with [Marker] in bytes
// ([Redactor.Bytes]), strings, HTTP headers, error texts and log records
// ([Redactor.Handler]). [URL] and [Userinfo] strip the user:password@ part
// of URLs.
//
// A secret is looked for as it is and as JSON encoders write it inside a
// string (quotes, backslashes, "<>&" and "/" escaped), so that an echo in a
// JSON error body is found. Since [Marker] holds no byte JSON escapes, a
// secret replaced inside a JSON string leaves valid JSON valid. A text with
// no secret is returned as it is, without a copy: the scan is one
// bytes.Index per secret form (see the benchmarks).
package redact
