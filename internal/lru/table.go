package lru

// Never is the expiry of an entry that does not expire by time.
const Never int64 = 1<<63 - 1

// Table maps string keys to values of type V within a bound on entries and
// on bytes, least recently used first out. The zero value is not usable:
// create it with [New].
type Table[V any] struct {
	items      map[string]*node[V]
	root       node[V] // sentinel: root.next is the most recently used, root.prev the least
	bytes      int64
	maxEntries int
	maxBytes   int64
}

type node[V any] struct {
	key        string
	val        V
	size       int64
	expires    int64
	prev, next *node[V]
}

// New returns an empty Table of at most maxEntries entries and maxBytes
// bytes (sizes as given to [Table.Put]). Values below 1 count as 1.
func New[V any](maxEntries int, maxBytes int64) *Table[V] {
	t := &Table[V]{items: make(map[string]*node[V]), maxEntries: max(maxEntries, 1), maxBytes: max(maxBytes, 1)}
	t.root.next, t.root.prev = &t.root, &t.root
	return t
}

// Get returns the value under key and makes it the most recently used. An
// entry whose expiry is at or before now is removed and not returned.
func (t *Table[V]) Get(key string, now int64) (V, bool) {
	n, ok := t.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	if now >= n.expires {
		t.remove(n)
		var zero V
		return zero, false
	}
	t.toFront(n)
	return n.val, true
}

// Put stores v under key, of size bytes, until expires (or [Never]), as the
// most recently used entry; an entry already under key is replaced in place
// (no allocation). Then it evicts least recently used entries until the
// Table is within its bounds. It reports false, storing nothing and dropping
// any older entry under key, when size alone exceeds the byte bound.
func (t *Table[V]) Put(key string, v V, size, expires int64) bool {
	n, ok := t.items[key]
	if size > t.maxBytes {
		if ok {
			t.remove(n)
		}
		return false
	}
	if ok {
		t.bytes += size - n.size
		n.val, n.size, n.expires = v, size, expires
		t.toFront(n)
	} else {
		n = &node[V]{key: key, val: v, size: size, expires: expires}
		t.items[key] = n
		t.bytes += size
		t.link(n)
	}
	for len(t.items) > t.maxEntries || t.bytes > t.maxBytes {
		t.remove(t.root.prev)
	}
	return true
}

// Delete removes the entry under key, if any.
func (t *Table[V]) Delete(key string) {
	if n, ok := t.items[key]; ok {
		t.remove(n)
	}
}

// Expire removes expired entries from the least recently used end, stopping
// at the first one that has not expired by now, and returns how many it
// removed. When every entry's expiry is its last use plus one idle time,
// that end is the first to expire, so this removes every expired entry.
func (t *Table[V]) Expire(now int64) int {
	removed := 0
	for n := t.root.prev; n != &t.root && now >= n.expires; n = t.root.prev {
		t.remove(n)
		removed++
	}
	return removed
}

// Len returns the number of entries held (expired ones included until
// they are removed).
func (t *Table[V]) Len() int { return len(t.items) }

// Bytes returns the sum of the sizes of the entries held.
func (t *Table[V]) Bytes() int64 { return t.bytes }

// Each calls f for every entry, most recently used first, until f returns
// false. f must not change the Table.
func (t *Table[V]) Each(f func(key string, v V) bool) {
	for n := t.root.next; n != &t.root; n = n.next {
		if !f(n.key, n.val) {
			return
		}
	}
}

func (t *Table[V]) link(n *node[V]) {
	n.prev, n.next = &t.root, t.root.next
	t.root.next.prev = n
	t.root.next = n
}

func (t *Table[V]) unlink(n *node[V]) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

func (t *Table[V]) toFront(n *node[V]) {
	if t.root.next != n {
		t.unlink(n)
		t.link(n)
	}
}

func (t *Table[V]) remove(n *node[V]) {
	t.unlink(n)
	delete(t.items, n.key)
	t.bytes -= n.size
}
