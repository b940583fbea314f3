package catalog

import (
	"fmt"
	"time"
)

// DefaultWarnWithin is how long before a model's end-of-life bulwark starts
// warning about it: 30 days (DESIGN §1).
const DefaultWarnWithin = 30 * 24 * time.Hour

// Warning says that a model in use is past, or close to, its end-of-life.
type Warning struct {
	// Model is the model in use.
	Model string
	// Successor is the model to move to.
	Successor string
	// Date is the model's end-of-life date (00:00 UTC).
	Date time.Time
	// Retired is true from Date on: the API now answers the model with 404.
	Retired bool
	// Message is a sentence for operators, naming the model, the date and the
	// successor.
	Message string
}

// Warnings returns a [Warning] for every model in models that is retired at
// now or reaches its end-of-life within the given duration after now (use
// [DefaultWarnWithin]). Models with no known end-of-life, and models farther
// from it, give none. The result follows the order of models, each model once;
// it is nil when there is nothing to warn about.
func Warnings(models []string, now time.Time, within time.Duration) []Warning {
	var out []Warning
	seen := make(map[string]bool, len(models))
	for _, m := range models {
		if seen[m] {
			continue
		}
		seen[m] = true
		r, ok := Lifecycle(m)
		if !ok {
			continue
		}
		left := r.Date.Sub(now)
		if left > within {
			continue
		}
		w := Warning{Model: m, Successor: r.Successor, Date: r.Date, Retired: left <= 0}
		date := r.Date.Format(time.DateOnly)
		if w.Retired {
			w.Message = fmt.Sprintf("%s reached end-of-life on %s: the API now answers it with 404 not_found_error; move to %s",
				m, date, r.Successor)
		} else {
			w.Message = fmt.Sprintf("%s reaches end-of-life on %s (%s): from then on the API answers it with 404 not_found_error; move to %s",
				m, date, inDays(left), r.Successor)
		}
		out = append(out, w)
	}
	return out
}

// inDays words a positive duration as whole days, rounded up.
func inDays(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	if n == 1 {
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", n)
}
