package breaker

// buckets is the number of buckets a breaker's Window is kept in: counts
// leave the window one bucket (Window/buckets) at a time, so an outcome is
// forgotten between 0.9 × Window and Window after it was counted.
const buckets = 10

// window counts a closed breaker's outcomes over the last Window, in
// buckets indexed by time on the Registry's clock (ns since its base). It
// holds no lock: its entry's mu guards it.
type window struct {
	head  int64 // bucket number (time / width) of the newest bucket
	slots [buckets]tally
	sum   tally // over every slot
}

// tally is the outcomes of one bucket, or of the whole window.
type tally struct{ failures, successes int }

// current drops the buckets that have left the window at time now (buckets
// of width ns) and returns the newest one. A clock that went back keeps
// counting in the newest bucket.
func (w *window) current(now, width int64) *tally {
	if n := now / width; n > w.head {
		for b := w.head + 1; b <= min(n, w.head+buckets); b++ {
			old := &w.slots[b%buckets]
			w.sum.failures -= old.failures
			w.sum.successes -= old.successes
			*old = tally{}
		}
		w.head = n
	}
	return &w.slots[w.head%buckets]
}

// add counts one outcome at time now.
func (w *window) add(now, width int64, failed bool) {
	t := w.current(now, width)
	if failed {
		t.failures++
		w.sum.failures++
	} else {
		t.successes++
		w.sum.successes++
	}
}

// total returns the outcomes within the window at time now.
func (w *window) total(now, width int64) tally {
	w.current(now, width)
	return w.sum
}

// reset forgets every outcome.
func (w *window) reset() { *w = window{head: w.head} }
