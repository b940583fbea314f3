package metrics

import (
	"regexp"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// BreakerChanged records a breaker state change: it sets
// bulwark_breaker_state, counts bulwark_breaker_transitions_total (for
// changes made here, not those learnt from a peer, so that a sum over
// replicas counts each change once) and records a [KindBreaker] incident.
// Its signature fits [breaker.WithOnChange]. A change older than the last
// one applied to the model (they may arrive out of order) is counted but does
// not move the gauge back.
func (m *Metrics) BreakerChanged(c breaker.Change) {
	e := m.models.get(c.Model)
	at := c.At.UnixNano()
	for {
		last := e.lastChange.Load()
		if at < last {
			break
		}
		if e.lastChange.CompareAndSwap(last, at) {
			e.state.Set(float64(stateIndex(c.To)))
			break
		}
	}
	detail := c.From.String() + " → " + c.To.String()
	if c.Remote {
		detail += " (from a peer)"
	} else {
		i := stateIndex(c.To)
		e.transitions[i].get(m.f.transitions, e.name, stateNames[i]).Inc()
	}
	m.inc.add(c.At, KindBreaker, c.Model, detail)
}

// CooldownStarted records that model is cooling down until until after a
// 429: it counts bulwark_cooldowns_total and records a [KindCooldown]
// incident, unless it only extends a cooldown still running. Its signature
// fits [breaker.WithOnCooldown].
func (m *Metrics) CooldownStarted(model string, until time.Time) {
	e := m.models.get(model)
	now := m.clock.Now()
	prev := e.cooldownUntil.Swap(until.UnixNano())
	if prev > now.UnixNano() {
		return // an extension of a running cooldown
	}
	e.cooldowns.Inc()
	m.inc.add(now, KindCooldown, model, "until "+until.UTC().Format("15:04:05")+" ("+until.Sub(now).Round(time.Second).String()+")")
}

// UserCutOff records that the per-user breaker cut user off: it counts
// bulwark_user_cutoffs_total (no user label) and records a [KindUserCutOff]
// incident whose detail is the user.
func (m *Metrics) UserCutOff(user string) {
	m.f.userCutoffs.Inc()
	m.inc.add(m.clock.Now(), KindUserCutOff, "", user)
}

// maxMisconfigClasses caps the class label values that [Metrics.Misconfig]
// accepts beyond the taxonomy's; others are counted as "other".
const maxMisconfigClasses = 16

// taxonomyClasses are the names of taxonomy.Class, always accepted.
var taxonomyClasses = func() map[string]struct{} {
	out := map[string]struct{}{}
	for c := taxonomy.Class(0); c.String() != "unknown"; c++ {
		out[c.String()] = struct{}{}
	}
	return out
}()

var classRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Misconfig records a misconfiguration found outside an upstream attempt
// (for example a chain that names a model past its end-of-life): it counts
// bulwark_misconfig_total{model,class} and records a [KindMisconfig]
// incident. Pages from upstream attempts are already counted by
// [Metrics.Attempted]; do not report them here too. class should be a
// short snake_case word: a taxonomy class name ("auth", "credit",
// "not_found") or one of at most 16 others ("retired_model"); later ones and
// malformed ones count as "other".
func (m *Metrics) Misconfig(model, class string) {
	e := m.models.get(model)
	label := m.misconfigClass(class)
	m.f.misconfig.WithLabelValues(e.name, label).Inc()
	m.inc.add(m.clock.Now(), KindMisconfig, model, class)
}

func (m *Metrics) misconfigClass(class string) string {
	if !classRe.MatchString(class) {
		return "other"
	}
	if _, ok := taxonomyClasses[class]; ok {
		return class
	}
	m.misconfigMu.Lock()
	defer m.misconfigMu.Unlock()
	if _, ok := m.misconfigClasses[class]; ok {
		return class
	}
	if len(m.misconfigClasses) >= maxMisconfigClasses {
		return "other"
	}
	m.misconfigClasses[class] = struct{}{}
	return class
}

// Incident records an incident of any kind (for example "store" when Redis
// goes down, or "hard_timeout") in [Status].Incidents; it touches no metric.
// model may be empty.
func (m *Metrics) Incident(kind, model, detail string) {
	m.inc.add(m.clock.Now(), kind, model, detail)
}
