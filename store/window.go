package store

// failureWindow is the decision part of the per-user breaker: it remembers the
// times of a user's last limit failures and says when they all fall within
// the window. It does no I/O and reads no clock; times are nanoseconds.
type failureWindow struct {
	times []int64 // ring of the last len(times) failures
	next  int     // index the next failure is written to (the oldest once full)
	n     int     // failures held, up to len(times)
}

func newFailureWindow(limit int) *failureWindow {
	return &failureWindow{times: make([]int64, limit)}
}

// record adds a failure at now and reports whether the last limit failures,
// this one included, all happened within window (now - oldest < window). A
// window that trips is emptied, so that counting starts afresh after the
// cut-off.
func (w *failureWindow) record(now, window int64) (trip bool) {
	w.times[w.next] = now
	w.next = (w.next + 1) % len(w.times)
	if w.n < len(w.times) {
		w.n++
	}
	if w.n < len(w.times) {
		return false
	}
	oldest := w.times[w.next]
	if now-oldest >= window {
		return false
	}
	w.reset()
	return true
}

func (w *failureWindow) reset() {
	w.n, w.next = 0, 0
}
