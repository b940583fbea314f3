package demo

import (
	"strings"
	"testing"
	"time"
)

func TestAPhaseThePlainSDKWinsByWaitingIsExplained(t *testing.T) {
	phases := []Phase{{Name: "healthy", End: time.Second}, {Name: "all down", Start: time.Second, End: 2 * time.Second}}
	req := func(phase int, v Verdict, took time.Duration) Request {
		return Request{Phase: phase, Verdict: v, Took: took}
	}
	r := &Result{Phases: phases,
		Plain: Side{Requests: []Request{req(0, Answered, time.Second), req(1, Answered, 3*time.Second),
			req(1, Answered, 7*time.Second), req(1, Failed, time.Second)}},
		Bulwark: Side{Requests: []Request{req(0, Answered, time.Second), req(1, Degraded, time.Second),
			req(1, Degraded, time.Second), req(1, Answered, time.Second)}},
	}
	notes := PlainAheadNotes(r, 4*time.Second)
	if len(notes) != 1 {
		t.Fatalf("notes = %q, want one for the all down phase", notes)
	}
	for _, want := range []string{"all down", "67%", "33%", "3.0s at the median", "up to 7.0s", "bulwark replied in 1.0s", "4s deadline"} {
		if !strings.Contains(notes[0], want) {
			t.Errorf("note %q lacks %q", notes[0], want)
		}
	}
}

func TestNoNoteWhenBulwarkAnswersAsMany(t *testing.T) {
	if notes := PlainAheadNotes(fixture(), 4*time.Second); len(notes) != 0 {
		t.Fatalf("notes = %q", notes)
	}
}

func TestWrapKeepsLinesShort(t *testing.T) {
	got := wrap("aaa bbb ccc ddd", 9, "  ")
	if got != "  aaa bbb\n  ccc ddd" {
		t.Fatalf("wrap = %q", got)
	}
}
