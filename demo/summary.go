package demo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

// maxBreakerLines bounds the breaker timeline in the text summary.
const maxBreakerLines = 40

// WriteSummary writes the end-of-run summary: the side-by-side table, the
// per-phase breakdown and bulwark's breaker timeline.
func WriteSummary(w io.Writer, r *Result) error {
	var b strings.Builder
	title := fmt.Sprintf("Results: %s of traffic at %s requests/s, %d requests per side, seed %d",
		r.Duration, trimFloat(r.RPS), len(r.Plain.Requests), r.Seed)
	if r.Interrupted {
		title += " (interrupted)"
	}
	b.WriteString(title + "\n\n")
	writeTable(&b, "  ", SummaryRows(r))
	b.WriteString("\n  A user gives up after " + r.GiveUp.String() + " without a reply; requests still waiting when the run\n" +
		"  ends count as blank too. p50/p99 are the time to a reply of any kind; \"never\" when blank.\n")
	if line := Headline(r); line != "" {
		b.WriteString("\n" + line + "\n")
	}

	b.WriteString("\nPer phase: what users saw, as a share of the requests sent in the phase\n\n")
	writeTable(&b, "  ", PhaseRows(r))
	for _, note := range PlainAheadNotes(r, demoDeadline) {
		b.WriteString("\n" + wrap(note, 112, "  ") + "\n")
	}

	b.WriteString("\nbulwark's breakers (per model: closed → open after failures, half_open to probe, closed again)\n\n")
	if len(r.Breaker) == 0 {
		b.WriteString("  no state change\n")
	} else {
		writeTable(&b, "  ", BreakerRows(r.Breaker, maxBreakerLines))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryRows is the side-by-side table: a header, then one row per measure.
func SummaryRows(r *Result) [][]string {
	p, g := Count(r.Plain.Requests), Count(r.Bulwark.Requests)
	pl, gl := Latencies(r.Plain.Requests), Latencies(r.Bulwark.Requests)
	rows := [][]string{
		{"", r.Plain.Name, r.Bulwark.Name},
		{"answered (a model's answer)", countCell(p, p.Answered), countCell(g, g.Answered)},
		{"  of which by the fallback", noCount, countCell(g, g.Fallbacks)},
		{"degraded (a friendly message)", noCount, countCell(g, g.Degraded)},
		{"failed (an error shown)", countCell(p, p.Failed), countCell(g, g.Failed)},
		{"blank (no reply)", countCell(p, p.Blank), countCell(g, g.Blank)},
		{"p50 time to a reply", percentileCell(pl, 50), percentileCell(gl, 50)},
		{"p99 time to a reply", percentileCell(pl, 99), percentileCell(gl, 99)},
		{"upstream calls per request", fmt.Sprintf("%.2f", r.Plain.CallsPerRequest()), fmt.Sprintf("%.2f", r.Bulwark.CallsPerRequest())},
	}
	ps, gs := PriceUsage(r.Prices, r.Plain.Usage), PriceUsage(r.Prices, r.Bulwark.Usage)
	rows = append(rows, []string{"spend", spendTotal(ps), spendTotal(gs)})
	for _, m := range usedModels(r.Plain.Usage, r.Bulwark.Usage) {
		rows = append(rows, []string{"  " + m, modelSpend(r.Prices, m, r.Plain.Usage), modelSpend(r.Prices, m, r.Bulwark.Usage)})
	}
	return rows
}

// PhaseRows is the per-phase breakdown: for each phase its window, the
// requests sent, and each side's share answered, with bulwark's fallback
// answers and friendly messages.
func PhaseRows(r *Result) [][]string {
	n := len(r.Phases)
	pc, gc := CountByPhase(r.Plain.Requests, n), CountByPhase(r.Bulwark.Requests, n)
	rows := [][]string{{"phase", "window", "requests",
		r.Plain.Name + ": answered", "failed", "blank",
		r.Bulwark.Name + ": answered", "by fallback", "degraded", "blank"}}
	for i, ph := range r.Phases {
		p, g := pc[i], gc[i]
		rows = append(rows, []string{
			ph.Name, span(ph), fmt.Sprint(p.Total),
			pct(p, p.Answered), pct(p, p.Failed), pct(p, p.Blank),
			pct(g, g.Answered), pct(g, g.Fallbacks), pct(g, g.Degraded), pct(g, g.Blank),
		})
	}
	return rows
}

// BreakerRows is the breaker timeline, at most limit changes and a line
// saying how many were left out.
func BreakerRows(changes []BreakerChange, limit int) [][]string {
	rows := [][]string{{"time", "model", "change"}}
	for i, c := range changes {
		if i == limit {
			rows = append(rows, []string{"…", fmt.Sprintf("%d more", len(changes)-limit), ""})
			break
		}
		rows = append(rows, []string{secs(c.At) + "s", c.Model, c.From + " → " + c.To})
	}
	return rows
}

// Headline sums up the outage phases (every phase but the first and the
// last) in one sentence; empty when there are fewer than three phases.
func Headline(r *Result) string {
	if len(r.Phases) < 3 {
		return ""
	}
	var p, g Counts
	for i, c := range CountByPhase(r.Plain.Requests, len(r.Phases)) {
		if i > 0 && i < len(r.Phases)-1 {
			p = add(p, c)
		}
	}
	for i, c := range CountByPhase(r.Bulwark.Requests, len(r.Phases)) {
		if i > 0 && i < len(r.Phases)-1 {
			g = add(g, c)
		}
	}
	if p.Total == 0 || g.Total == 0 {
		return ""
	}
	return fmt.Sprintf("During the incident (%s to %s): with bulwark %s of users got an answer, %s a friendly message, %s nothing;\n"+
		"with the plain SDK %s got an answer, %s an error, %s nothing.",
		r.Phases[1].Name, r.Phases[len(r.Phases)-2].Name,
		pct(g, g.Answered), pct(g, g.Degraded), pct(g, g.Blank),
		pct(p, p.Answered), pct(p, p.Failed), pct(p, p.Blank))
}

func add(a, b Counts) Counts {
	return Counts{
		Total: a.Total + b.Total, Answered: a.Answered + b.Answered, Degraded: a.Degraded + b.Degraded,
		Failed: a.Failed + b.Failed, Blank: a.Blank + b.Blank, Fallbacks: a.Fallbacks + b.Fallbacks,
	}
}

// noCount stands for a count that does not apply, aligned with countCell's numbers.
const noCount = "    –"

// countCell formats a count and its share, e.g. "  180  50.0%".
func countCell(c Counts, n int) string {
	return fmt.Sprintf("%5d %6.1f%%", n, 100*c.Share(n))
}

// pct formats n's share of c as a whole percentage; "–" when c is empty.
func pct(c Counts, n int) string {
	if c.Total == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*c.Share(n))
}

// percentileCell formats a latency percentile: "0.62s", "never" when it
// falls on a blank request, "–" without requests.
func percentileCell(sorted []time.Duration, p float64) string {
	d, ok := Percentile(sorted, p)
	switch {
	case !ok:
		return "–"
	case d == Never:
		return "never"
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// spendTotal formats a side's total spend for the table: the dollars, or
// "unknown" when some model has no price (its tokens follow, by model).
func spendTotal(s Spend) string {
	switch {
	case len(s.Unknown) == 0 && s.Priced == 0:
		return "$0 (no answers)"
	case len(s.Unknown) == 0:
		return usd(s.USD)
	case s.Priced == 0:
		return "unknown (tokens below)"
	}
	return usd(s.USD) + " + unknown (see below)"
}

// modelSpend formats one model's spend on one side: "$0.0123 (12.3k in /
// 4.5k out)", "unknown (12.3k in / 4.5k out tokens)", or "–" when unused.
func modelSpend(prices catalog.Prices, model string, usage map[string]catalog.Usage) string {
	u, ok := usage[model]
	if !ok {
		return "–"
	}
	toks := tokens(u.InputTokens+u.CacheCreationInputTokens+u.CacheReadInputTokens) + " in / " + tokens(u.OutputTokens) + " out tokens"
	usdv, known := prices.Cost(model, u)
	if !known {
		return "unknown (" + toks + ")"
	}
	return usd(usdv) + " (" + toks + ")"
}

// usedModels returns the models of both usages, sorted.
func usedModels(a, b map[string]catalog.Usage) []string {
	var out []string
	for m := range a {
		out = append(out, m)
	}
	for m := range b {
		if _, ok := a[m]; !ok {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// writeTable writes rows as aligned columns (2 spaces apart), each line
// starting with indent and without trailing spaces. The first row is the
// header and is underlined.
func writeTable(b *strings.Builder, indent string, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], runeLen(c))
		}
	}
	line := func(cells []string) {
		var l strings.Builder
		l.WriteString(indent)
		for i, c := range cells {
			if i > 0 {
				l.WriteString("  ")
			}
			l.WriteString(c)
			if i < len(cells)-1 {
				l.WriteString(strings.Repeat(" ", widths[i]-runeLen(c)))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	for i, row := range rows {
		line(row)
		if i == 0 {
			rule := make([]string, len(widths))
			for j, wd := range widths {
				rule[j] = strings.Repeat("─", wd)
			}
			line(rule)
		}
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// trimFloat formats v without trailing zeros: 8, 2.5.
func trimFloat(v float64) string { return fmt.Sprintf("%g", v) }
