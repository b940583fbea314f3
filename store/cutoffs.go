package store

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// shardCount is the number of shards of the user tables; a power of two.
const shardCount = 32

// cutTable holds the users that are cut off, with the end of their cut-off
// (unix nanoseconds). Reads take no lock and never allocate: each shard is an
// immutable map behind an atomic pointer, copied on write. Writes are rare
// (a user trips once per window), and a copy prunes expired entries. Each
// shard holds at most maxEntries users and maxBytes bytes (ids plus
// userEntryOverhead each): past that, the other cut-offs that end soonest are
// dropped first.
type cutTable struct {
	// live counts the entries held over all shards, expired ones included
	// until a write prunes them. While it is 0, lookups skip hashing.
	live       atomic.Int64
	bytes      atomic.Int64
	shards     [shardCount]cutShard
	maxEntries int   // per shard
	maxBytes   int64 // per shard
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

func cutSize(user string) int64 { return int64(len(user)) + userEntryOverhead }

// extend cuts user off until until (never shortening a later cut-off in
// force) and drops the shard's entries that ended by now, then the others
// that end soonest while the shard is over its bounds. It reports whether the
// cut-off was created or lengthened (and kept).
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
	var oldBytes, bytes int64
	for u, end := range old {
		oldBytes += cutSize(u)
		if end > now && u != user {
			next[u] = end
			bytes += cutSize(u)
		}
	}
	next[user] = until
	bytes += cutSize(user)
	if len(next) > t.maxEntries || bytes > t.maxBytes {
		bytes = shed(next, user, bytes, t.maxEntries, t.maxBytes)
	}
	s.m.Store(&next)
	t.live.Add(int64(len(next) - len(old)))
	t.bytes.Add(bytes - oldBytes)
	_, kept := next[user] // shed drops it only when it alone is over the bounds
	return kept
}

// shed drops the entries of m that end soonest, keep (the one being
// written) last, until m holds at most maxEntries entries and maxBytes bytes,
// and returns the bytes left.
func shed(m map[string]int64, keep string, bytes int64, maxEntries int, maxBytes int64) int64 {
	users := make([]string, 0, len(m))
	for u := range m {
		if u != keep {
			users = append(users, u)
		}
	}
	slices.SortFunc(users, func(a, b string) int { return cmp.Compare(m[a], m[b]) })
	users = append(users, keep)
	for _, u := range users {
		if len(m) <= maxEntries && bytes <= maxBytes {
			break
		}
		delete(m, u)
		bytes -= cutSize(u)
	}
	return bytes
}
