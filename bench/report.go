package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Table is a Markdown table whose columns are padded to line up in a
// terminal as well.
type Table struct {
	// Title is printed above the table as a bold line, when set.
	Title string
	// Header names the columns.
	Header []string
	// Rows are the cells, one slice per row.
	Rows [][]string
	// Notes are printed under the table, one per line.
	Notes []string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Write prints the table in Markdown.
func (t *Table) Write(w io.Writer) {
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.Rows {
		for i := 0; i < len(r) && i < len(width); i++ {
			width[i] = max(width[i], utf8.RuneCountInString(r[i]))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i := range width {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" ")
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
			b.WriteString(" |")
		}
		fmt.Fprintln(w, b.String())
	}
	if t.Title != "" {
		fmt.Fprintf(w, "**%s**\n\n", t.Title)
	}
	line(t.Header)
	sep := make([]string, len(width))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range t.Rows {
		line(r)
	}
	if len(t.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.Notes {
			fmt.Fprintln(w, n)
		}
	}
	fmt.Fprintln(w)
}

// FormatDuration prints a latency compactly: "312µs" below 1 ms, "12.34ms"
// below 1 s, else "2.01s". Zero prints "0µs".
func FormatDuration(d time.Duration) string {
	switch a := d.Abs(); {
	case a < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case a < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// FormatDelta prints a signed difference in whole microseconds: "+23µs",
// "-4µs", "+1250µs".
func FormatDelta(d time.Duration) string {
	us := float64(d) / float64(time.Microsecond)
	if us >= 0 {
		return fmt.Sprintf("+%.0fµs", us)
	}
	return fmt.Sprintf("%.0fµs", us)
}

// FormatRate prints requests per second: "1234/s".
func FormatRate(r float64) string { return fmt.Sprintf("%.0f/s", r) }

// FormatPercent prints a fraction 0..1 as a percentage: "99.5%", "100%".
func FormatPercent(f float64) string {
	p := f * 100
	if p == 100 || p == 0 {
		return fmt.Sprintf("%.0f%%", p)
	}
	return fmt.Sprintf("%.2f%%", p)
}

// FormatBytes prints a size in KiB below 1 MiB, else MiB: "41.2 KiB".
func FormatBytes(n float64) string {
	if n < 0 {
		return "-" + FormatBytes(-n)
	}
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", n/1024)
	}
	return fmt.Sprintf("%.1f MiB", n/(1<<20))
}

// FormatOutcomes prints counts as "label n, label n", largest first.
func FormatOutcomes(m map[string]int64) string {
	if len(m) == 0 {
		return "—"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Check is one target of DESIGN §12 judged against a measurement.
type Check struct {
	// What names the measure, e.g. "p50 delta".
	What string
	// Met reports whether the target was met.
	Met bool
	// Text is the measure against its target, e.g. "+23µs ≤ +50µs".
	Text string
	// Miss is by how much it was missed, e.g. "12µs" (empty when met).
	Miss string
}

// String prints "met (+23µs ≤ +50µs)" or "MISSED by 12µs (+62µs > +50µs)".
func (c Check) String() string {
	if c.Met {
		return fmt.Sprintf("met (%s %s)", c.What, c.Text)
	}
	return fmt.Sprintf("MISSED by %s (%s %s)", c.Miss, c.What, c.Text)
}

// AtMost checks a duration delta against its ceiling.
func AtMost(what string, got, limit time.Duration) Check {
	if got <= limit {
		return Check{What: what, Met: true, Text: FormatDelta(got) + " ≤ " + FormatDelta(limit)}
	}
	return Check{What: what, Text: FormatDelta(got) + " > " + FormatDelta(limit), Miss: strings.TrimPrefix(FormatDelta(got-limit), "+")}
}

// AtLeast checks a ratio against its floor.
func AtLeast(what string, got, floor float64) Check {
	if got >= floor {
		return Check{What: what, Met: true, Text: fmt.Sprintf("%.2f ≥ %.2f", got, floor)}
	}
	return Check{What: what, Text: fmt.Sprintf("%.2f < %.2f", got, floor), Miss: fmt.Sprintf("%.2f", floor-got)}
}

// AtMostPer checks a count per unit (e.g. goroutines per stream) against
// its ceiling.
func AtMostPer(what string, got, ceiling float64) Check {
	if got <= ceiling {
		return Check{What: what, Met: true, Text: fmt.Sprintf("%.2f ≤ %g", got, ceiling)}
	}
	return Check{What: what, Text: fmt.Sprintf("%.2f > %g", got, ceiling), Miss: fmt.Sprintf("%.2f", got-ceiling)}
}

// AtMostRatio checks a ratio against its ceiling.
func AtMostRatio(what string, got, ceiling float64) Check {
	if got <= ceiling {
		return Check{What: what, Met: true, Text: fmt.Sprintf("%.3f ≤ %.2f", got, ceiling)}
	}
	return Check{What: what, Text: fmt.Sprintf("%.3f > %.2f", got, ceiling), Miss: fmt.Sprintf("%.3f", got-ceiling)}
}

// AtMostCount checks a count against its ceiling.
func AtMostCount(what string, got, ceiling int64) Check {
	if got <= ceiling {
		return Check{What: what, Met: true, Text: fmt.Sprintf("%d ≤ %d", got, ceiling)}
	}
	return Check{What: what, Text: fmt.Sprintf("%d > %d", got, ceiling), Miss: fmt.Sprint(got - ceiling)}
}

// JoinChecks prints checks separated by "; ", or "—" with none.
func JoinChecks(cs []Check) string {
	if len(cs) == 0 {
		return "—"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// Ratio is a/b, or 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
