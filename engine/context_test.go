package engine

import (
	"testing"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestAContextOverflowNeedsALargerWindow(t *testing.T) {
	over := taxonomy.Decision{Class: taxonomy.ContextOverflow, PromptTokens: 209_353, ContextLimit: 200_000}
	bare := taxonomy.Decision{Class: taxonomy.ContextOverflow}
	tests := []struct {
		name   string
		prev   overflow
		window int
		known  bool
		d      taxonomy.Decision
		cand   int
		candOK bool
		want   bool
	}{
		{"a 1M model takes what a 200k one refused", overflow{}, 200_000, true, over, 1_000_000, true, true},
		{"a model of the same window does not", overflow{}, 200_000, true, over, 200_000, true, false},
		{"a smaller one does not", overflow{}, 1_000_000, true, bare, 200_000, true, false},
		{"one of unknown window does not", overflow{}, 200_000, true, over, 0, false, false},
		{"the message's limit counts when the refuser's window is unknown", overflow{}, 0, false, over, 200_000, true, false},
		{"with no numbers and an unknown refuser, any known window will do", overflow{}, 0, false, bare, 200_000, true, true},
		{"a window larger than the limit but short of the prompt does not", overflow{}, 0, false,
			taxonomy.Decision{PromptTokens: 300_000, ContextLimit: 200_000}, 250_000, true, false},
		{"an earlier overflow's floor is kept", overflow{active: true, floor: 1_000_000}, 200_000, true, bare, 1_000_000, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := afterOverflow(tt.prev, tt.window, tt.known, tt.d)
			if got := o.fits(tt.cand, tt.candOK); got != tt.want {
				t.Fatalf("fits(%d, %v) after %+v = %v, want %v", tt.cand, tt.candOK, o, got, tt.want)
			}
		})
	}
	if !(overflow{}).fits(0, false) {
		t.Fatal("without an overflow every model must fit")
	}
}

func TestNextFittingSkipsTiersWithNoLargerWindow(t *testing.T) {
	windows := []int{200_000, 200_000, 0, 1_000_000}
	w := func(i int) (int, bool) { return windows[i], windows[i] > 0 }
	o := overflow{active: true, floor: 200_000}
	if got := nextFitting(o, len(windows), 1, w); got != 3 {
		t.Fatalf("nextFitting = %d, want 3", got)
	}
	if got := nextFitting(overflow{active: true, floor: 1_000_000}, len(windows), 1, w); got != -1 {
		t.Fatalf("nextFitting = %d, want -1 (none larger)", got)
	}
}
