package headroom

import (
	"slices"
	"time"
)

// Need is what one request takes from a deployment's buckets: one request,
// its estimated input tokens and, as the API reserves them, its max_tokens.
type Need struct {
	Input, Output int64
}

// left is what b has left at now: all of it once its reset has passed (the
// API refills continuously; after reset it is full), else Remaining.
func (b Bucket) left(now time.Time) int64 {
	if !b.Reset.IsZero() && !now.Before(b.Reset) {
		return b.Limit
	}
	return b.Remaining
}

// Fits reports whether l can hold need at now: every known bucket has what
// need takes from it. Unknown limits fit (nothing said otherwise).
func Fits(l Limits, need Need, now time.Time) bool { return Room(l, need, now) >= 0 }

// Room is the share of its size that l's tightest known bucket keeps after
// need, at now: 1 for limits that say nothing, below 0 when need does not fit.
func Room(l Limits, need Need, now time.Time) float64 {
	takes := [4]int64{1, need.Input + need.Output, need.Input, need.Output}
	room := 1.0
	for i, b := range l.buckets() {
		if !b.Known || b.Limit == 0 {
			continue
		}
		r := float64(b.left(now)-takes[i]) / float64(b.Limit)
		room = min(room, r)
	}
	return room
}

// Order returns the indexes of deployments (their latest limits) that can
// hold need at now, most room first (ties keep their order), and those that
// cannot, in their order: the first are tried, the others skipped.
func Order(limits []Limits, need Need, now time.Time) (try, skip []int) {
	rooms := make([]float64, len(limits))
	for i, l := range limits {
		if rooms[i] = Room(l, need, now); rooms[i] >= 0 {
			try = append(try, i)
		} else {
			skip = append(skip, i)
		}
	}
	slices.SortStableFunc(try, func(a, b int) int {
		switch {
		case rooms[a] > rooms[b]:
			return -1
		case rooms[a] < rooms[b]:
			return 1
		}
		return 0
	})
	return try, skip
}
