// Package store holds the state bulwark shares between gateway replicas
// (DESIGN §6): per-user breakers, model breaker and cooldown events, the
// cache tier's last good answers, the grant of recovery probes
// ([Shared.ProbeSlot], DESIGN §4: one replica per interval per deployment),
// and the deployments' latest rate-limit headers ([Shared.HeadroomSeen],
// DESIGN §14).
//
// [Shared] has two implementations: [Memory] (one process, the default; see
// [NewMemory]) and the Redis store of package store/redisstore (many
// replicas), which keeps a Memory as its local state. The request path never
// waits on Redis when things go well: reads are local, and remote changes
// arrive by subscription.
//
// The per-user breaker counts a user's request-caused failures in a sliding
// window (default 5 in 60 s, [WithUserLimit]); the failure that reaches the
// limit cuts the user off for one window, and counting starts afresh after
// it. The decision (window.go) is apart from the tables that hold it: a
// lock-free, copy-on-write cut-off table that [Memory.UserAllowed] reads
// without allocating, and sharded failure counters. The cache is an LRU
// bounded by entries and bytes, each answer kept for the TTL ([WithCacheTTL],
// [WithCacheSize]).
//
// Users and cache keys come from clients, so every table is bounded in
// entries and bytes and forgets idle entries (DESIGN §6): a failure window
// goes a window after its newest failure, a cut-off when it ends, an answer
// at its TTL, and a full table drops the least recently failed user, the
// cut-off that ends soonest, the least recently used answer
// ([WithUserBounds], [WithCacheSize], [Memory.Usage]).
package store
