package redisstore

// pruneEvery is how often (ms) an [eventTimes] drops its ended entries.
const pruneEvery = 1000

// eventTimes maps events to the end (unix ms) of what they put in force,
// within a bound: ended entries are dropped at most every pruneEvery, and a
// new key is refused while max entries are held. Requires the Store's mu.
type eventTimes struct {
	m       map[eventKey]int64
	max     int
	sweptAt int64
}

func newEventTimes(max int) eventTimes {
	return eventTimes{m: make(map[eventKey]int64), max: max}
}

// put records until under k (never shortening what k holds) and reports
// whether it did: false when k is new and the table is full.
func (t *eventTimes) put(k eventKey, until, now int64) bool {
	if now-t.sweptAt >= pruneEvery {
		t.prune(now)
	}
	if _, ok := t.m[k]; !ok && len(t.m) >= t.max {
		return false
	}
	t.m[k] = max(t.m[k], until)
	return true
}

// prune drops the entries that ended by now.
func (t *eventTimes) prune(now int64) {
	for k, until := range t.m {
		if until <= now {
			delete(t.m, k)
		}
	}
	t.sweptAt = now
}
