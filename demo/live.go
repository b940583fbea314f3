package demo

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// LiveState is what the live display shows at one moment of a run.
type LiveState struct {
	// Elapsed is the time since the run started; Total the traffic's length.
	Elapsed, Total time.Duration
	// Phases is the incident and Phase the index of the phase in force.
	Phases []Phase
	Phase  int
	// Plain and Bulwark count the requests that have ended, by verdict.
	Plain, Bulwark Counts
	// PlainWaiting and BulwarkWaiting count the requests still waiting.
	PlainWaiting, BulwarkWaiting int
}

// barWidth is the width of the live display's progress bar, in cells.
const barWidth = 30

// LiveLines renders s for a terminal: a block of lines that is redrawn in
// place. Lines longer than width-1 are cut (width ≤ 0: no limit).
func LiveLines(s LiveState, width int) []string {
	ph := s.Phases[min(max(s.Phase, 0), len(s.Phases)-1)]
	done := 0
	if s.Total > 0 {
		done = int(min(s.Elapsed, s.Total) * barWidth / s.Total)
	}
	lines := []string{
		fmt.Sprintf("  phase %d/%d  %s: %s", s.Phase+1, len(s.Phases), ph.Name, ph.About),
		fmt.Sprintf("  [%s%s] %5ss / %ss", strings.Repeat("█", done), strings.Repeat("░", barWidth-done), secs(min(s.Elapsed, s.Total)), secs(s.Total)),
		fmt.Sprintf("  %-10s  answered %5d   failed   %5d   blank %5d   waiting %4d",
			"plain SDK", s.Plain.Answered, s.Plain.Failed, s.Plain.Blank, s.PlainWaiting),
		fmt.Sprintf("  %-10s  answered %5d   degraded %5d   blank %5d   waiting %4d   (%d by the fallback)",
			"bulwark", s.Bulwark.Answered, s.Bulwark.Degraded, s.Bulwark.Blank, s.BulwarkWaiting, s.Bulwark.Fallbacks),
	}
	if width > 0 {
		for i, l := range lines {
			if r := []rune(l); len(r) >= width {
				lines[i] = string(r[:max(width-2, 0)]) + "…"
			}
		}
	}
	return lines
}

// LiveLine renders s as one plain line, for logs and pipes.
func LiveLine(s LiveState) string {
	ph := s.Phases[min(max(s.Phase, 0), len(s.Phases)-1)]
	return fmt.Sprintf("[%5ss/%ss] %-10s | plain SDK: %d answered, %d failed, %d blank, %d waiting | bulwark: %d answered (%d by the fallback), %d degraded, %d blank, %d waiting",
		secs(min(s.Elapsed, s.Total)), secs(s.Total), ph.Name,
		s.Plain.Answered, s.Plain.Failed, s.Plain.Blank, s.PlainWaiting,
		s.Bulwark.Answered, s.Bulwark.Fallbacks, s.Bulwark.Degraded, s.Bulwark.Blank, s.BulwarkWaiting)
}

// display draws LiveStates: redrawn in place on a terminal, else as a plain
// line at each phase change and every period.
type display struct {
	w        io.Writer
	terminal bool
	width    int
	period   time.Duration

	drawn     int           // lines drawn last time (terminal)
	lastPhase int           // phase of the last plain line
	lastAt    time.Duration // elapsed at the last plain line
	started   bool
}

// show draws s; final marks the last call of the run.
func (d *display) show(s LiveState, final bool) {
	if d.w == nil {
		return
	}
	if d.terminal {
		var b strings.Builder
		if d.drawn > 0 {
			fmt.Fprintf(&b, "\x1b[%dA", d.drawn) // back to the block's first line
		}
		lines := LiveLines(s, d.width)
		for _, l := range lines {
			b.WriteString("\r\x1b[2K" + l + "\n")
		}
		d.drawn = len(lines)
		_, _ = io.WriteString(d.w, b.String())
		return
	}
	if d.started && !final && s.Phase == d.lastPhase && s.Elapsed-d.lastAt < d.period {
		return
	}
	d.started, d.lastPhase, d.lastAt = true, s.Phase, s.Elapsed
	_, _ = io.WriteString(d.w, LiveLine(s)+"\n")
}
