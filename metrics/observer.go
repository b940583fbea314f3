package metrics

import (
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

var (
	_ engine.Observer      = (*Metrics)(nil)
	_ engine.HedgeObserver = (*Metrics)(nil)
)

// Attempted counts one upstream attempt on model by status class. An attempt
// whose decision has Severity Page (bad key, no credit, unknown model) also
// counts in bulwark_misconfig_total and is recorded as a [KindMisconfig]
// incident: the gateway need not call [Metrics.Misconfig] for it.
func (m *Metrics) Attempted(model string, status int, d taxonomy.Decision, took time.Duration) {
	e := m.models.get(model)
	sc := statusClassOf(status, d.Class)
	e.attempts[sc].get(m.f.attempts, e.name, statusClassNames[sc]).Inc()
	if d.Severity == taxonomy.Page {
		ci := classIndex(d.Class)
		e.misconfig[ci].get(m.f.misconfig, e.name, classLabel(d.Class)).Inc()
		detail := classLabel(d.Class)
		if status != 0 {
			detail += " (HTTP " + strconv.Itoa(status) + ")"
		}
		m.inc.add(m.clock.Now(), KindMisconfig, model, detail)
	}
}

// Retried counts one retry on model after a failure of class c.
func (m *Metrics) Retried(model string, c taxonomy.Class) {
	e := m.models.get(model)
	e.retries[classIndex(c)].get(m.f.retries, e.name, classLabel(c)).Inc()
}

// Skipped counts one tier of model skipped because its breaker was open
// (reason "open") or it was cooling down (reason "cooldown").
func (m *Metrics) Skipped(model string, v breaker.Verdict) {
	e := m.models.get(model)
	i := skipIndex(v)
	e.skips[i].get(m.f.skips, e.name, skipReasons[i]).Inc()
}

// FellBack counts one move from model tier from to model tier to.
func (m *Metrics) FellBack(from, to string) {
	e := m.models.get(from)
	e.fallbackTo(m.f, m.models.get(to).name).Inc()
}

// classLabel is c's label value; classes past the slots share "unknown".
func classLabel(c taxonomy.Class) string {
	if classIndex(c) == nClasses-1 {
		return "unknown"
	}
	return c.String()
}
