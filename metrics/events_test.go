package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
)

func TestBreakerChangedSetsStateAndCountsLocalTransitions(t *testing.T) {
	const model = "claude-sonnet-5-5"
	steps := []struct {
		change      breaker.Change
		state       float64
		transitions map[string]float64
	}{
		{breaker.Change{Model: model, From: breaker.Closed, To: breaker.Open, At: t0}, 2, map[string]float64{"open": 1}},
		{breaker.Change{Model: model, From: breaker.Open, To: breaker.HalfOpen, At: t0.Add(30 * time.Second)}, 1, map[string]float64{"half_open": 1}},
		{breaker.Change{Model: model, From: breaker.HalfOpen, To: breaker.Open, At: t0.Add(31 * time.Second)}, 2, map[string]float64{"open": 2}},
		// A late change: counted, but the gauge keeps the newer state.
		{breaker.Change{Model: model, From: breaker.Open, To: breaker.HalfOpen, At: t0.Add(30 * time.Second)}, 2, map[string]float64{"half_open": 2}},
		// From a peer: the gauge follows, the transition is the peer's to count.
		{breaker.Change{Model: model, From: breaker.Open, To: breaker.Closed, At: t0.Add(40 * time.Second), Remote: true}, 0, map[string]float64{"open": 2, "half_open": 2}},
	}
	m, _ := newTest(t)
	for i, s := range steps {
		m.BreakerChanged(s.change)
		if got := val(t, m, "bulwark_breaker_state", "model", model); got != s.state {
			t.Errorf("step %d: breaker_state = %v, want %v", i, got, s.state)
		}
		for to, want := range s.transitions {
			if got := val(t, m, "bulwark_breaker_transitions_total", "model", model, "to", to); got != want {
				t.Errorf("step %d: transitions{to=%s} = %v, want %v", i, to, got, want)
			}
		}
	}
	if has(t, m, "bulwark_breaker_transitions_total", "model", model, "to", "closed") {
		t.Error("a peer's change was counted as a transition here")
	}
	inc := m.Status().Incidents
	// The late open → half_open repeats one seen a second before: merged.
	if len(inc) != 4 || inc[0].Kind != KindBreaker || !strings.Contains(inc[0].Detail, "peer") ||
		inc[2].Count != 2 || inc[3].Detail != "closed → open" {
		t.Errorf("incidents = %+v, want 4 breaker incidents, newest (from a peer) first", inc)
	}
}

func TestCooldownCountsStartsNotExtensions(t *testing.T) {
	m, fc := newTest(t, WithModels("h"))
	m.CooldownStarted("h", t0.Add(10*time.Second))
	fc.Advance(5 * time.Second)
	m.CooldownStarted("h", t0.Add(20*time.Second)) // extends the running one
	fc.Advance(20 * time.Second)
	m.CooldownStarted("h", fc.Now().Add(2*time.Second)) // a new one
	if got := val(t, m, "bulwark_cooldowns_total", "model", "h"); got != 2 {
		t.Errorf("cooldowns_total = %v, want 2", got)
	}
	inc := m.Status().Incidents
	if len(inc) != 2 || inc[0].Kind != KindCooldown || inc[0].Detail != "until 12:00:27 (2s)" {
		t.Errorf("incidents = %+v, want 2 cooldowns, the newest until 12:00:27 (2s)", inc)
	}
}

func TestUserCutOffHasNoUserLabel(t *testing.T) {
	m, _ := newTest(t)
	m.UserCutOff("user-42")
	m.UserCutOff("user-43")
	if got := val(t, m, "bulwark_user_cutoffs_total"); got != 2 {
		t.Errorf("user_cutoffs_total = %v, want 2", got)
	}
	mt, _ := sample(t, m, "bulwark_user_cutoffs_total", nil)
	if len(mt.GetLabel()) != 0 {
		t.Errorf("user_cutoffs_total has labels %v", mt.GetLabel())
	}
	if inc := m.Status().Incidents; len(inc) != 2 || inc[0].Detail != "user-43" || inc[0].Kind != KindUserCutOff {
		t.Errorf("incidents = %+v", inc)
	}
}

func TestMisconfigBoundsItsClassLabel(t *testing.T) {
	m, _ := newTest(t)
	m.Misconfig("claude-sonnet-4-5", "retired_model")
	m.Misconfig("claude-sonnet-4-5", "auth")
	m.Misconfig("claude-sonnet-4-5", "Not A Label!")
	for i := range 40 {
		m.Misconfig("x", "extra_"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if got := val(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-4-5", "class", "retired_model"); got != 1 {
		t.Errorf("misconfig{retired_model} = %v, want 1", got)
	}
	if got := val(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-4-5", "class", "auth"); got != 1 {
		t.Errorf("misconfig{auth} = %v, want 1", got)
	}
	if got := val(t, m, "bulwark_misconfig_total", "model", "claude-sonnet-4-5", "class", "other"); got != 1 {
		t.Errorf("misconfig{other} = %v, want 1 (a malformed class)", got)
	}
	classes := map[string]bool{}
	fams, _ := m.Gatherer().Gather()
	for _, f := range fams {
		if f.GetName() != "bulwark_misconfig_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "class" {
					classes[l.GetValue()] = true
				}
			}
		}
	}
	if n := len(classes); n > len(taxonomyClasses)+maxMisconfigClasses+1 {
		t.Errorf("%d class label values, want at most %d", n, len(taxonomyClasses)+maxMisconfigClasses+1)
	}
}

func TestIncidentsCoalesceAndKeepTheLast100(t *testing.T) {
	m, fc := newTest(t)
	for range 5 {
		m.Incident("store", "", "redis down")
		fc.Advance(time.Second)
	}
	inc := m.Status().Incidents
	if len(inc) != 1 || inc[0].Count != 5 || !inc[0].First.Equal(t0) || !inc[0].At.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("incidents = %+v, want one merged incident seen 5 times", inc)
	}
	fc.Advance(2 * time.Minute)
	m.Incident("store", "", "redis down")
	if inc := m.Status().Incidents; len(inc) != 2 {
		t.Errorf("an identical incident 2 minutes later was merged: %+v", inc)
	}
	for i := range 150 {
		m.Incident("k", "", strings.Repeat("x", i))
	}
	inc = m.Status().Incidents
	if len(inc) != MaxIncidents {
		t.Fatalf("%d incidents, want %d", len(inc), MaxIncidents)
	}
	if inc[0].Detail != strings.Repeat("x", 149) || inc[MaxIncidents-1].Detail != strings.Repeat("x", 50) {
		t.Errorf("ring kept the wrong incidents: newest %q, oldest %q", inc[0].Detail, inc[MaxIncidents-1].Detail)
	}
}
