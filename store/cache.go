package store

import (
	"sync"

	"github.com/bulwarkhq/bulwark/internal/lru"
)

// entryOverhead is the bytes counted per cached answer on top of its key,
// model and body: the table's node, the map slot and the Entry.
const entryOverhead = 160

// lruCache holds answers until they expire or are evicted, least recently
// used first, within a bound on entries and on bytes. Times are unix ns.
type lruCache struct {
	mu sync.Mutex
	t  *lru.Table[Entry]
}

func newLRU(maxEntries int, maxBytes int64) *lruCache {
	return &lruCache{t: lru.New[Entry](maxEntries, maxBytes)}
}

func entrySize(key string, e Entry) int64 {
	return int64(len(key)+len(e.Model)+len(e.Body)) + entryOverhead
}

// get returns the entry under key unless it expired by now.
func (c *lruCache) get(key string, now int64) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.Get(key, now)
}

// put stores e under key until expires, first dropping the expired answers
// at the least recently used end, then evicting the least recently used ones
// to stay in bounds. It reports false when e alone exceeds the byte bound
// (it is not stored, and an older entry under key is dropped).
func (c *lruCache) put(key string, e Entry, expires, now int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t.Expire(now)
	return c.t.Put(key, e, entrySize(key, e), expires)
}

// stats returns the entries and bytes held.
func (c *lruCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.Len(), c.t.Bytes()
}
