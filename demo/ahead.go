package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PlainAheadNotes explains each phase in which the plain SDK answered a
// larger share of its users than bulwark did. The plain SDK then won by
// waiting: its retries and 10-minute timeout carry a request sent during an
// outage past the outage's end, so the answer comes seconds later, while
// bulwark gives its friendly message within its deadline. Each note gives
// the phase, both shares, and how long those plain-SDK answers took (median
// and slowest) against bulwark's deadline. It is empty when bulwark answered
// at least as many in every phase.
func PlainAheadNotes(r *Result, deadline time.Duration) []string {
	n := len(r.Phases)
	pc, gc := CountByPhase(r.Plain.Requests, n), CountByPhase(r.Bulwark.Requests, n)
	var notes []string
	for i, ph := range r.Phases {
		p, g := pc[i], gc[i]
		if p.Total == 0 || g.Total == 0 || p.Share(p.Answered) <= g.Share(g.Answered) {
			continue
		}
		var waits []time.Duration
		for _, q := range r.Plain.Requests {
			if q.Phase == i && q.Verdict == Answered {
				waits = append(waits, q.Took)
			}
		}
		slices.Sort(waits)
		median, _ := Percentile(waits, 50)
		notes = append(notes, fmt.Sprintf("%s: the plain SDK answered %s of its users to bulwark's %s by waiting — its answers "+
			"to requests sent in this phase took %.1fs at the median and up to %.1fs (it retried until the models were back), "+
			"while bulwark answered each within its %s deadline, with a friendly message when no model could answer by then.",
			ph.Name, pct(p, p.Answered), pct(g, g.Answered), median.Seconds(), waits[len(waits)-1].Seconds(), deadline))
	}
	return notes
}

// wrap breaks text into lines of at most width bytes at spaces, each
// starting with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line)
	return b.String()
}
