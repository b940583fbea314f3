package breaker

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestSnapshotListsModelsSortedWithTheirState(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2, OpenFor: 30 * time.Second, HalfOpenProbes: 2})
	f.r.Record("c-model", taxonomy.CountFailure)
	f.open() // claude-sonnet-5-5
	f.r.Force("b-model", t0.Add(time.Second))
	f.r.Cooldown("a-model", time.Second+500*time.Microsecond)
	f.clk.Advance(time.Second)
	p, _ := f.r.Acquire("b-model") // half-open, one probe out

	got := f.r.Snapshot()
	want := []Status{
		{Model: "a-model", State: Closed, CooldownLeft: 500 * time.Microsecond, CooldownUntil: t0.Add(time.Second + 500*time.Microsecond)},
		{Model: "b-model", State: HalfOpen, Probes: 1},
		{Model: "c-model", State: Closed, Failures: 1},
		{Model: model, State: Open, OpenLeft: 29 * time.Second, OpenUntil: t0.Add(30 * time.Second), Failures: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("Snapshot = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Snapshot[%d] = %+v\nwant          %+v", i, got[i], want[i])
		}
	}
	p.Done(taxonomy.CountSuccess)
}

func TestClosedFailuresShowZeroOnceTheWindowPassed(t *testing.T) {
	f := newFixture(t, Settings{Failures: 5, Window: 10 * time.Second})
	f.fail(2)
	if s := f.r.Snapshot()[0]; s.Failures != 2 {
		t.Fatalf("Failures = %d, want 2", s.Failures)
	}
	f.clk.Advance(10 * time.Second)
	if s := f.r.Snapshot()[0]; s.Failures != 0 {
		t.Fatalf("Failures = %d after the window, want 0", s.Failures)
	}
}

func TestStatusJSON(t *testing.T) {
	s := Status{
		Model: model, State: Open,
		OpenLeft: 1500 * time.Microsecond, OpenUntil: t0,
		CooldownLeft: 2 * time.Second, Failures: 5,
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"model":"claude-sonnet-5-5","state":"open","open_until":"2026-05-01T12:00:00Z",` +
		`"failures":5,"probes":0,"open_left_ms":2,"cooldown_left_ms":2000}`
	if string(b) != want {
		t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
	}
	var back Status
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s.OpenLeft = 2 * time.Millisecond // rounded up to whole ms
	if back != s {
		t.Fatalf("round trip = %+v, want %+v", back, s)
	}
	if err := json.Unmarshal([]byte(`{"state":"ajar"}`), &back); err == nil ||
		!strings.Contains(err.Error(), "ajar") {
		t.Fatalf("bad state: err = %v", err)
	}
	if _, err := json.Marshal(Status{State: 7}); err == nil {
		t.Fatal("unknown state should not marshal")
	}
}

func TestCeilMS(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{0, 0}, {-time.Second, 0}, {1, 1}, {time.Millisecond, 1},
		{time.Millisecond + 1, 2}, {time.Duration(1<<63 - 1), (1<<63-1)/1000000 + 1},
	}
	for _, tt := range tests {
		if got := ceilMS(tt.d); got != tt.want {
			t.Errorf("ceilMS(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
