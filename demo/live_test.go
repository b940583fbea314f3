package demo

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func liveFixture(el time.Duration) LiveState {
	r := fixture()
	return LiveState{
		Elapsed: el, Total: r.Duration, Phases: r.Phases, Phase: PhaseAt(r.Phases, el),
		Plain: Counts{Answered: 4, Failed: 2, Blank: 1}, Bulwark: Counts{Answered: 7, Fallbacks: 3},
		PlainWaiting: 5, BulwarkWaiting: 1,
	}
}

func TestLiveLinesShowPhaseProgressAndBothSides(t *testing.T) {
	lines := LiveLines(liveFixture(1500*time.Millisecond), 0)
	want := []string{
		"  phase 2/3  outage: Sonnet <down> & out",
		"  [" + strings.Repeat("█", 15) + strings.Repeat("░", 15) + "]   1.5s / 3.0s",
		"  plain SDK   answered     4   failed       2   blank     1   waiting    5",
		"  bulwark     answered     7   degraded     0   blank     0   waiting    1   (3 by the fallback)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestLiveLinesFitTheTerminal(t *testing.T) {
	for _, l := range LiveLines(liveFixture(time.Second), 40) {
		if n := utf8.RuneCountInString(l); n > 39 {
			t.Errorf("line of %d columns in a 40-column terminal: %q", n, l)
		}
	}
}

func TestLiveLinesClampPastTheEnd(t *testing.T) {
	lines := LiveLines(liveFixture(10*time.Second), 0)
	if !strings.Contains(lines[1], "3.0s / 3.0s") || strings.Contains(lines[1], "░") {
		t.Errorf("progress past the end: %q", lines[1])
	}
}

func TestLiveLineIsOnePlainLine(t *testing.T) {
	got := LiveLine(liveFixture(1500 * time.Millisecond))
	want := "[  1.5s/3.0s] outage     | plain SDK: 4 answered, 2 failed, 1 blank, 5 waiting | bulwark: 7 answered (3 by the fallback), 0 degraded, 0 blank, 1 waiting"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestDisplayPrintsPlainLinesAtPhaseChangesAndPeriods(t *testing.T) {
	var b strings.Builder
	d := &display{w: &b, period: time.Second}
	for _, el := range []time.Duration{0, 300, 600, 1000, 1100, 1200, 2200, 2400} {
		d.show(liveFixture(el*time.Millisecond), false)
	}
	d.show(liveFixture(2500*time.Millisecond), true)
	got := strings.Count(b.String(), "\n")
	// 0 (first), 1000 (phase 2), 2200 (phase 3), the final line.
	if got != 4 || strings.Contains(b.String(), "\x1b") {
		t.Fatalf("%d lines:\n%s", got, b.String())
	}
}

func TestDisplayRedrawsInPlaceOnATerminal(t *testing.T) {
	var b strings.Builder
	d := &display{w: &b, terminal: true, width: 200}
	d.show(liveFixture(0), false)
	if strings.Contains(b.String(), "\x1b[4A") {
		t.Fatal("moved up before drawing anything")
	}
	d.show(liveFixture(time.Second), true)
	out := b.String()
	if strings.Count(out, "\x1b[4A") != 1 || strings.Count(out, "\x1b[2K") != 8 {
		t.Fatalf("want one move up over the 4 lines and 8 line clears, got %q", out)
	}
}

func TestNoDisplayWithoutAWriter(t *testing.T) {
	(&display{}).show(liveFixture(0), true) // must not panic
}
