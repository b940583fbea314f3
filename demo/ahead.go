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
// and slowest) against bulwark's own replies (median); deadline is
// bulwark's. It is empty when bulwark answered at least as many in every
// phase.
func PlainAheadNotes(r *Result, deadline time.Duration) []string {
	n := len(r.Phases)
	pc, gc := CountByPhase(r.Plain.Requests, n), CountByPhase(r.Bulwark.Requests, n)
	var notes []string
	for i, ph := range r.Phases {
		p, g := pc[i], gc[i]
		if p.Total == 0 || g.Total == 0 || p.Share(p.Answered) <= g.Share(g.Answered) {
			continue
		}
		var waits, replies []time.Duration
		for _, q := range r.Plain.Requests {
			if q.Phase == i && q.Verdict == Answered {
				waits = append(waits, q.Took)
			}
		}
		for _, q := range r.Bulwark.Requests {
			if q.Phase == i && q.Verdict != Blank {
				replies = append(replies, q.Took)
			}
		}
		slices.Sort(waits)
		slices.Sort(replies)
		median, _ := Percentile(waits, 50)
		mine, _ := Percentile(replies, 50)
		notes = append(notes, fmt.Sprintf("%s: the plain SDK answered %s of its users to bulwark's %s by waiting — its answers "+
			"to requests sent in this phase took %.1fs at the median and up to %.1fs (it retried until the models were back). "+
			"bulwark replied in %.1fs at the median, always within its %s deadline: with every model's breaker open it waits "+
			"at most one recovery-probe interval for a model to come back, then gives its friendly message.",
			ph.Name, pct(p, p.Answered), pct(g, g.Answered), median.Seconds(), waits[len(waits)-1].Seconds(), mine.Seconds(), deadline))
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
