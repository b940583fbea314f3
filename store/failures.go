package store

import (
	"sync"

	"github.com/bulwarkhq/bulwark/internal/lru"
)

// userEntryOverhead is the bytes counted per user in the user tables on top
// of the user id (and, for a failure window, its 8-byte timestamps): the
// table's node, the map slot and the window.
const userEntryOverhead = 192

// failTable counts users' request-caused failures, one [failureWindow] per
// user that failed recently, in shards with their own locks. Each shard is
// a bounded table ([lru.Table]): a window is forgotten once its newest
// failure is a window old, and when the shard is full the user who failed
// least recently is dropped first.
type failTable struct {
	shards     [shardCount]failShard
	maxEntries int   // per shard
	maxBytes   int64 // per shard
}

type failShard struct {
	mu sync.Mutex
	t  *lru.Table[*failureWindow]
}

func newFailTable(maxEntries int, maxBytes int64) *failTable {
	return &failTable{maxEntries: perShard(maxEntries), maxBytes: int64(perShard(int(maxBytes)))}
}

// perShard splits a bound over the shards, rounding up.
func perShard(n int) int { return (n + shardCount - 1) / shardCount }

// record counts a failure of user at now and reports whether it trips the
// limit (limit failures within window).
func (t *failTable) record(h uint64, user string, limit int, now, window int64) bool {
	s := &t.shards[h&(shardCount-1)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t == nil {
		s.t = lru.New[*failureWindow](t.maxEntries, t.maxBytes)
	}
	s.t.Expire(now)
	w, ok := s.t.Get(user, now)
	if !ok {
		w = newFailureWindow(limit)
	}
	if w.record(now, window) {
		s.t.Delete(user)
		return true
	}
	s.t.Put(user, w, int64(len(user)+8*limit+userEntryOverhead), now+window)
	return false
}

// usage returns the windows held and the bytes they are counted as.
func (t *failTable) usage() (n int, bytes int64) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		if s.t != nil {
			n += s.t.Len()
			bytes += s.t.Bytes()
		}
		s.mu.Unlock()
	}
	return n, bytes
}
