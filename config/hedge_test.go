package config

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
)

func TestHedgeAfterIsP95OrAPositiveDuration(t *testing.T) {
	for _, c := range []struct {
		yaml string
		want engine.Hedge
		err  string
	}{
		{"{after: p95, max: 1}", engine.Hedge{Max: 1}, ""},
		{"{max: 1}", engine.Hedge{Max: 1}, ""},
		{"{after: 300ms, max: 2}", engine.Hedge{Max: 2, After: 300 * time.Millisecond}, ""},
		{"{after: 0s, max: 1}", engine.Hedge{}, "hedge.after: must be longer than 0"},
		{"{after: soon, max: 1}", engine.Hedge{}, `invalid duration "soon"`},
		{"{after: 300, max: 1}", engine.Hedge{}, "has no unit"},
	} {
		c2, err := Parse([]byte("profiles: {interactive: {hedge: " + c.yaml + "}}\n"))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("hedge %s: error %v, want one saying %q", c.yaml, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("hedge %s: %v", c.yaml, err)
		}
		if got := c2.Profiles[ProfileInteractive].Hedge.Engine(); got != c.want {
			t.Errorf("hedge %s = %+v, want %+v", c.yaml, got, c.want)
		}
	}
}

func TestHedgeAfterWritesBackAsItWasWritten(t *testing.T) {
	for _, a := range []HedgeAfter{0, HedgeAfter(250 * time.Millisecond)} {
		b, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back HedgeAfter
		if err := back.UnmarshalJSON(b); err != nil || back != a {
			t.Fatalf("%s: JSON %s read back as %v, %v", a, b, back, err)
		}
	}
	if got := HedgeAfter(0).String(); got != "p95" {
		t.Fatalf("0 is written %q, want p95", got)
	}
}
