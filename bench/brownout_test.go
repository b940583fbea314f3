package bench

import (
	"strings"
	"testing"
	"time"
)

func ttfbs(ds ...time.Duration) *ChaosResult {
	r := &ChaosResult{Result: &Result{}}
	for _, d := range ds {
		r.Result.TTFB.Add(d)
		r.Result.OK++
	}
	return r
}

func TestTheBrownoutBoundIsTwiceTheHealthyP99PlusTheHedgeDelay(t *testing.T) {
	fast := ttfbs(2*time.Millisecond, 3*time.Millisecond, 10*time.Millisecond)
	if got, want := brownoutBound(fast), 20*time.Millisecond+100*time.Millisecond; got != want {
		t.Fatalf("fast model: bound %v, want %v (2 × 10ms + the 100 ms floor of a p95 hedge)", got, want)
	}
	slow := ttfbs(400*time.Millisecond, 500*time.Millisecond)
	if got, want := brownoutBound(slow), time.Second+500*time.Millisecond; got != want {
		t.Fatalf("slow model: bound %v, want %v (2 × 500ms + its 500 ms p95)", got, want)
	}
}

func TestTheBrownoutJudgeFailsALateP99AndTooManyCalls(t *testing.T) {
	sc := brownoutScenarios()[0]
	late := make([]time.Duration, 100)
	for i := range late {
		late[i] = 2 * time.Millisecond
	}
	late[98], late[99] = 5*time.Second, 5*time.Second
	r := ttfbs(late...)
	r.Scenario, r.Fresh = sc, ttfbs(2*time.Millisecond, 3*time.Millisecond)
	r.Upstream.Requests = 130
	var missed []string
	for _, c := range sc.judge(r, nil) {
		if !c.Met {
			missed = append(missed, c.What)
		}
	}
	if strings.Join(missed, ",") != "p99 time to first token,upstream calls/request" {
		t.Fatalf("missed %v; want the p99 and the calls/request checks missed", missed)
	}
}

func TestTheUnhedgedBrownoutDiffersOnlyByTheHedge(t *testing.T) {
	s := brownoutScenarios()
	if !strings.Contains(s[0].Config, "hedge: {after: p95, max: 1}") || strings.Contains(s[1].Config, "hedge") {
		t.Fatalf("configs:\n%s\n---\n%s", s[0].Config, s[1].Config)
	}
	if s[0].Rules != s[1].Rules || !s[0].Baseline || !s[1].Baseline {
		t.Fatal("the two brownout scenarios must share their fault and baseline")
	}
}
