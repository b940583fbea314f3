package metrics

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// UserSpend is one user's spend in [Spend].Users, since the process started.
type UserSpend struct {
	// User is the user's id (metadata.user_id, bulwark-user-id or the client
	// key's user). It is kept in memory only, never in a metric label.
	User string `json:"user"`
	// USD is the priced spend of the user's requests, answered and
	// discarded.
	USD float64 `json:"usd"`
	// UnknownTokens is the tokens of the user's requests on models with no
	// price: spend that could not be priced.
	UnknownTokens int64 `json:"unknown_tokens"`
	// Requests is the user's requests.
	Requests int64 `json:"requests"`
}

// userOverhead is the bytes counted per user on top of the id: the
// UserSpend, its pointer and the map slot.
const userOverhead = 96

// users keeps the spend of at most max users and maxBytes bytes (ids plus
// userOverhead each), forgetting users idle for idle.
type users struct {
	mu       sync.Mutex
	m        map[string]*userEntry
	max      int
	maxBytes int64
	bytes    int64
	idle     int64 // ns
	sweptAt  int64 // unix ns of the last sweep of idle users
	dropped  int64 // users dropped to stay within the bounds, or idle
}

type userEntry struct {
	UserSpend
	last int64 // unix ns of the user's latest request
}

func newUsers(max int, maxBytes int64, idle time.Duration) *users {
	return &users{m: make(map[string]*userEntry), max: max, maxBytes: maxBytes, idle: int64(idle)}
}

func userSize(user string) int64 { return int64(len(user)) + userOverhead }

func (u *users) add(user string, usd float64, unknown int64, now int64) {
	u.mu.Lock()
	if now-u.sweptAt >= u.idle/sweepsPerIdle {
		u.sweep(now)
	}
	s, ok := u.m[user]
	if !ok {
		if len(u.m) >= u.max || u.bytes+userSize(user) > u.maxBytes {
			u.shrink()
		}
		s = &userEntry{UserSpend: UserSpend{User: user}}
		u.m[user] = s
		u.bytes += userSize(user)
	}
	s.USD += usd
	s.UnknownTokens += unknown
	s.Requests++
	s.last = now
	u.mu.Unlock()
}

// sweepsPerIdle is how often, per idle time, idle users are looked for: an
// idle user is forgotten at most idle/sweepsPerIdle late.
const sweepsPerIdle = 10

// sweep drops the users idle for u.idle at now. Requires u.mu. Its O(n)
// cost is paid at most sweepsPerIdle times per idle time.
func (u *users) sweep(now int64) {
	u.sweptAt = now
	for k, s := range u.m {
		if now-s.last >= u.idle {
			u.drop(k)
		}
	}
}

func (u *users) drop(user string) {
	delete(u.m, user)
	u.bytes -= userSize(user)
	u.dropped++
}

// less orders spenders: more USD, then more unknown tokens, then more
// requests, then by name, first.
func less(a, b *UserSpend) int {
	if c := cmp.Compare(b.USD, a.USD); c != 0 {
		return c
	}
	if c := cmp.Compare(b.UnknownTokens, a.UnknownTokens); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Requests, a.Requests); c != 0 {
		return c
	}
	return cmp.Compare(a.User, b.User)
}

// shrink keeps the users that spent most, up to half of each bound, and
// drops the rest. Requires u.mu. Its O(n log n) cost is paid once per
// max/2 new users (or maxBytes/2 bytes of new ids).
func (u *users) shrink() {
	all := make([]*UserSpend, 0, len(u.m))
	for _, s := range u.m {
		all = append(all, &s.UserSpend)
	}
	slices.SortFunc(all, less)
	keep, bytes := 0, int64(0)
	for keep < len(all) && keep < max(u.max/2, 1)-1 && bytes+userSize(all[keep].User) <= u.maxBytes/2 {
		bytes += userSize(all[keep].User)
		keep++
	}
	for _, s := range all[keep:] {
		u.drop(s.User)
	}
}

// top returns the n biggest spenders, the users tracked and the users
// dropped so far. It keeps a sorted list of n while it scans, so the lock is
// held for O(users × n) at worst, with no sort of the whole map.
func (u *users) top(n int) (top []UserSpend, tracked int, dropped int64) {
	best := make([]*UserSpend, 0, n+1)
	u.mu.Lock()
	for _, e := range u.m {
		s := &e.UserSpend
		if len(best) == n && less(s, best[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, s, less)
		best = slices.Insert(best, i, s)
		if len(best) > n {
			best = best[:n]
		}
	}
	top = make([]UserSpend, len(best))
	for i, s := range best {
		top[i] = *s
	}
	tracked, dropped = len(u.m), u.dropped
	u.mu.Unlock()
	return top, tracked, dropped
}
