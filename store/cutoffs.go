package store

import (
	"sync"
	"sync/atomic"
)

// shardCount is the number of shards of the user tables; a power of two.
const shardCount = 32

// cutTable holds the users that are cut off, with the end of their cut-off
// (unix nanoseconds). Reads take no lock and never allocate: each shard is an
// immutable map behind an atomic pointer, copied on write. Writes are rare
// (a user trips once per window), and a copy prunes expired entries.
type cutTable struct {
	// live counts the entries held over all shards, expired ones included
	// until a write prunes them. While it is 0, lookups skip hashing.
	live   atomic.Int64
	shards [shardCount]cutShard
}

type cutShard struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[string]int64]
	_  [40]byte // keeps hot shards off one cache line
}

// lookup returns the end of user's cut-off, if any is recorded (possibly in
// the past). h is user's hash.
func (t *cutTable) lookup(h uint64, user string) (int64, bool) {
	p := t.shards[h&(shardCount-1)].m.Load()
	if p == nil {
		return 0, false
	}
	until, ok := (*p)[user]
	return until, ok
}

// extend cuts user off until until (never shortening a later cut-off in
// force) and drops the shard's entries that ended by now. It reports whether
// the cut-off was created or lengthened.
func (t *cutTable) extend(h uint64, user string, until, now int64) bool {
	s := &t.shards[h&(shardCount-1)]
	s.mu.Lock()
	defer s.mu.Unlock()
	var old map[string]int64
	if p := s.m.Load(); p != nil {
		old = *p
	}
	if cur, ok := old[user]; ok && cur >= until {
		return false
	}
	next := make(map[string]int64, len(old)+1)
	for u, end := range old {
		if end > now {
			next[u] = end
		}
	}
	next[user] = until
	s.m.Store(&next)
	t.live.Add(int64(len(next) - len(old)))
	return true
}
