// Package backoff computes how long to wait before retrying an upstream call:
// exponential backoff with jitter, as in DESIGN §3.
//
// It is pure: [Policy.Delay] reads no clock, sleeps never and takes its
// randomness as a parameter, so the engine decides whether a wait fits the
// request's deadline (and takes max(backoff, retry-after)) and tests pass a
// fixed random source.
//
// Two jitter schemes are offered, after "Exponential Backoff And Jitter"
// (AWS Architecture Blog, 2015):
//
//   - [Full] (the default): uniform in [0, min(Max, Initial·2^(n-1))]. The
//     best spread of load when many clients retry at once.
//   - [Decorrelated]: min(Max, uniform in [Initial, 3·prev]). Each wait grows
//     from the previous one rather than from the retry number, so it never
//     falls back to near zero.
package backoff
