package store

import "sync"

// failTable counts users' request-caused failures, one [failureWindow] per
// user that failed recently, in shards with their own locks.
type failTable struct {
	shards [shardCount]failShard
}

type failShard struct {
	mu      sync.Mutex
	m       map[string]*failureWindow
	sweptAt int64 // when stale windows were last dropped (unix ns)
}

// record counts a failure of user at now and reports whether it trips the
// limit (limit failures within window). Every window, a shard drops the
// users whose failures all aged out, so memory follows the users failing now.
func (t *failTable) record(h uint64, user string, limit int, now, window int64) bool {
	s := &t.shards[h&(shardCount-1)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*failureWindow)
		s.sweptAt = now
	}
	if now-s.sweptAt >= window {
		for u, w := range s.m {
			if w.stale(now, window) {
				delete(s.m, u)
			}
		}
		s.sweptAt = now
	}
	w := s.m[user]
	if w == nil {
		w = newFailureWindow(limit)
		s.m[user] = w
	}
	trip := w.record(now, window)
	if trip {
		delete(s.m, user)
	}
	return trip
}

// len returns the number of users with a window held (tests).
func (t *failTable) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
