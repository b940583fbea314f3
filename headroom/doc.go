// Package headroom steers a request to the deployment with room for it
// (DESIGN §14): it reads the anthropic-ratelimit-* headers every first-party
// answer carries, keeps the latest per deployment, estimates a request's
// tokens, and orders a tier's deployments by the room each has left for it,
// leaving out those that cannot hold it before their reset — so that a 429
// is avoided instead of retried.
//
// The map:
//   - limits.go — [Limits], [Bucket] and [Parse]: the headers read (pure).
//   - decide.go — [Need], [Fits], [Room], [Order]: the choice (pure).
//   - book.go — [Book]: the latest limits per deployment, and the
//     bytes-per-token ratio learnt from answers' usage ([Book.Estimate]).
package headroom
