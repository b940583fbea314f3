// Package redisstore is the [store.Shared] implementation for many gateway
// replicas sharing one Redis (DESIGN §6).
//
// Every replica keeps its full state locally in a [store.Memory] and answers
// from it: the check before each request ([Store.UserAllowed]) and the success
// path never wait on Redis. Redis carries what the replicas must agree on:
//
//   - Per-user failures are counted in Redis (a sorted-set sliding window per
//     user, one Lua script call on the failure path, bounded by a short
//     timeout). The call that crosses the limit publishes the cut-off on a
//     pub/sub channel; every replica adds it to its local cut-off table.
//   - Model breaker opens and 429 cooldowns are published as {model, until};
//     each replica applies its peers' with [breaker.Registry.Force] and
//     [breaker.Registry.ForceCooldown], and ignores its own.
//   - Cut-offs, opens and cooldowns in force are also kept in sorted sets, so
//     a replica that starts or reconnects loads what it missed.
//   - A recovery probe (DESIGN §4) is granted to one replica per interval
//     by a SET NX PX of the deployment's probe key ([Store.ProbeSlot]): one
//     bounded call, made only when every model tier of a request was
//     skipped; with Redis down the probe is granted.
//   - The latest rate-limit headers of each steered deployment (DESIGN
//     §14) are published on the channel behind the request, coalesced to
//     the latest per deployment, never stored; peers' that cannot be true
//     are dropped ([Store.HeadroomSeen], [Store.OnHeadroom], headroom.go).
//   - Cache answers are written behind (a bounded queue, dropped when full)
//     with the TTL, and read on the cache path with a short timeout.
//   - Every key expires: a user's failures a window after the newest, a
//     cached answer at its TTL, each set of entries in force when its last
//     entry ends (and each set keeps at most 10,000 entries, those that end
//     last).
//
// When Redis is down, slow or unreachable, the store serves on local state as
// [store.Memory] would, logs the outage once (and the recovery once), reports
// it in [Store.Health], and reconnects by itself. While down it does not try
// Redis on the request path at all; events that could not be shared are kept
// and published on recovery.
//
// Replicas compare absolute times (unix milliseconds), so their clocks are
// assumed to agree to well within a second (NTP). Redis Cluster is not
// supported: use one Redis (with a replica and Sentinel for failover, if
// wanted).
package redisstore
