// Package store holds the state bulwark shares between gateway replicas
// (DESIGN §6): per-user breakers, model breaker and cooldown events, and the
// cache tier's last good answers.
//
// [Shared] has two implementations: memory (one process, the default) and
// Redis (package store/redisstore, many replicas). The request path never
// waits on Redis when things go well: reads are local, and remote changes
// arrive by subscription.
package store
