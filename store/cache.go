package store

import (
	"container/list"
	"sync"
)

// entryOverhead is the bytes counted per cached answer on top of its key,
// model and body: the list element, the map slot and the item.
const entryOverhead = 160

// lruCache holds answers until they expire or are evicted, least recently
// used first, within a bound on entries and on bytes. Times are unix ns.
type lruCache struct {
	mu         sync.Mutex
	items      map[string]*list.Element // of *cacheItem
	order      list.List                // front: most recently used
	bytes      int64
	maxEntries int
	maxBytes   int64
}

type cacheItem struct {
	key     string
	entry   Entry
	expires int64
	size    int64
}

func newLRU(maxEntries int, maxBytes int64) *lruCache {
	return &lruCache{items: make(map[string]*list.Element), maxEntries: maxEntries, maxBytes: maxBytes}
}

func entrySize(key string, e Entry) int64 {
	return int64(len(key)+len(e.Model)+len(e.Body)) + entryOverhead
}

// get returns the entry under key unless it expired by now.
func (c *lruCache) get(key string, now int64) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Entry{}, false
	}
	it := el.Value.(*cacheItem)
	if now >= it.expires {
		c.remove(el)
		return Entry{}, false
	}
	c.order.MoveToFront(el)
	return it.entry, true
}

// put stores e under key until expires, evicting the least recently used
// entries to stay in bounds. It reports false when e alone exceeds the byte
// bound (it is not stored, and an older entry under key is dropped).
func (c *lruCache) put(key string, e Entry, expires int64) bool {
	size := entrySize(key, e)
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	switch {
	case size > c.maxBytes:
		if ok {
			c.remove(el)
		}
		return false
	case ok: // replace in place: no allocation
		it := el.Value.(*cacheItem)
		c.bytes += size - it.size
		it.entry, it.expires, it.size = e, expires, size
		c.order.MoveToFront(el)
	default:
		it := &cacheItem{key: key, entry: e, expires: expires, size: size}
		c.items[key] = c.order.PushFront(it)
		c.bytes += size
	}
	for len(c.items) > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
	return true
}

func (c *lruCache) remove(el *list.Element) {
	it := c.order.Remove(el).(*cacheItem)
	delete(c.items, it.key)
	c.bytes -= it.size
}

// stats returns the entries and bytes held.
func (c *lruCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
