package store

import (
	"context"
	"github.com/bulwarkhq/bulwark/headroom"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
)

// Shared is the state shared by the replicas of a gateway. Implementations are
// safe for concurrent use. Every method degrades to local state when the
// backend is unreachable: no request fails because the store failed.
type Shared interface {
	// UserAllowed reports whether user may send requests now. It reads local
	// state only (no I/O). When not allowed, retryAfter is the time left of
	// the user's cut-off.
	UserAllowed(user string) (ok bool, retryAfter time.Duration)
	// UserFailed counts one request-caused failure of user (DESIGN §2 "per-user
	// breaker: failure", or a request that ran out of deadline). It reports
	// whether this failure cut the user off.
	UserFailed(ctx context.Context, user string) (cutOff bool)

	// CacheGet returns the last good answer stored under key.
	CacheGet(ctx context.Context, key string) (Entry, bool)
	// CachePut stores a good answer under key for the configured TTL. It may
	// return before a remote write completes.
	CachePut(ctx context.Context, key string, e Entry)

	// BreakerChanged shares a local model breaker change with the other
	// replicas (changes with Remote set are not shared again).
	BreakerChanged(c breaker.Change)
	// CooldownStarted shares a local 429 cooldown with the other replicas.
	CooldownStarted(model string, until time.Time)
	// Attach makes breaker and cooldown events from other replicas apply to reg.
	Attach(reg *breaker.Registry)
	// ProbeSlot grants the recovery probe of deployment key (DESIGN §4) for
	// the next interval: true for the one replica that may send it. It is
	// called only when every model tier of a request was skipped and this
	// replica's breaker already granted the probe, so it may make one
	// bounded round trip; when the backend cannot tell, it grants.
	ProbeSlot(ctx context.Context, key string, interval time.Duration) bool

	// HeadroomSeen shares the latest rate-limit headers of deployment key
	// (DESIGN §14) with the other replicas. It never waits: the latest
	// limits per key wait for one background write, later ones replacing
	// earlier ones.
	HeadroomSeen(key string, l headroom.Limits)
	// OnHeadroom sets the function the other replicas' HeadroomSeen reach,
	// called on a background goroutine (nil: none). The caller validates
	// the key (only its configured deployments) and keeps the newer limits.
	OnHeadroom(f func(key string, l headroom.Limits))

	// Health reports the backend's state.
	Health() Health
	// Close releases connections and background work.
	Close() error
}

// Entry is one cached answer: a complete, non-streamed Messages API response.
type Entry struct {
	// Model is the model that produced it.
	Model string `json:"model"`
	// Body is the message JSON as the upstream sent it.
	Body []byte `json:"body"`
	// StoredAt is when it was stored.
	StoredAt time.Time `json:"stored_at"`
}

// Health is the state of the store's backend.
type Health struct {
	// Backend is "memory" or "redis".
	Backend string `json:"backend"`
	// OK is false while a remote backend is unreachable and local state is used.
	OK bool `json:"ok"`
	// Error is the last backend error while not OK.
	Error string `json:"error,omitempty"`
	// Since is when the backend entered its current state.
	Since time.Time `json:"since"`
}
