package metrics

import (
	"cmp"
	"slices"
	"sync"
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

// users keeps the spend of at most max users.
type users struct {
	mu      sync.Mutex
	m       map[string]*UserSpend
	max     int
	dropped int64 // users dropped to stay within max
}

func newUsers(max int) *users {
	return &users{m: make(map[string]*UserSpend), max: max}
}

func (u *users) add(user string, usd float64, unknown int64) {
	u.mu.Lock()
	s, ok := u.m[user]
	if !ok {
		if len(u.m) >= u.max {
			u.shrink()
		}
		s = &UserSpend{User: user}
		u.m[user] = s
	}
	s.USD += usd
	s.UnknownTokens += unknown
	s.Requests++
	u.mu.Unlock()
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

// shrink drops the half of the users that spent least. Requires u.mu. Its
// O(n log n) cost is paid once per max/2 new users.
func (u *users) shrink() {
	all := make([]*UserSpend, 0, len(u.m))
	for _, s := range u.m {
		all = append(all, s)
	}
	slices.SortFunc(all, less)
	for _, s := range all[max(u.max/2, 1)-1:] {
		delete(u.m, s.User)
		u.dropped++
	}
}

// top returns the n biggest spenders, the users tracked and the users
// dropped so far. It keeps a sorted list of n while it scans, so the lock is
// held for O(users × n) at worst, with no sort of the whole map.
func (u *users) top(n int) (top []UserSpend, tracked int, dropped int64) {
	best := make([]*UserSpend, 0, n+1)
	u.mu.Lock()
	for _, s := range u.m {
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
