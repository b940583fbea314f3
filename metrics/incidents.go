package metrics

import (
	"sync"
	"time"
)

// Incident kinds recorded by Metrics itself; [Metrics.Incident] takes any.
const (
	KindBreaker    = "breaker"     // a breaker changed state; Detail "closed → open"
	KindCooldown   = "cooldown"    // a 429 started a cooldown; Detail "until 15:04:05 (30s)"
	KindMisconfig  = "misconfig"   // a page: bad key, no credit, unknown or retired model
	KindUserCutOff = "user_cutoff" // the per-user breaker cut a user off; Detail is the user
)

// coalesceWithin is how close in time an incident must be to an identical one
// (same kind, model and detail) among the last coalesceScan to be merged into
// it instead of taking a new place in the ring.
const (
	coalesceWithin = time.Minute
	coalesceScan   = 10
)

// Incident is one notable event in [Status].Incidents.
type Incident struct {
	// At is when it last happened.
	At time.Time `json:"at"`
	// Kind says what happened: [KindBreaker], [KindCooldown],
	// [KindMisconfig], [KindUserCutOff] or a kind given to [Metrics.Incident].
	Kind string `json:"kind"`
	// Model is the model concerned; empty for none.
	Model string `json:"model,omitempty"`
	// Detail says more, for a person.
	Detail string `json:"detail"`
	// Count is how many identical incidents were merged into this one
	// (within a minute of each other); at least 1.
	Count int `json:"count"`
	// First is when the first of them happened.
	First time.Time `json:"first"`
}

// incidents is a ring of the last MaxIncidents incidents.
type incidents struct {
	mu   sync.Mutex
	ring [MaxIncidents]Incident
	n    int // incidents ever added (after merging)
}

func (r *incidents) add(at time.Time, kind, model, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 1; i <= min(r.n, coalesceScan); i++ {
		p := &r.ring[(r.n-i)%MaxIncidents]
		if p.Kind == kind && p.Model == model && p.Detail == detail && at.Sub(p.At) < coalesceWithin && !at.Before(p.First) {
			p.Count++
			if at.After(p.At) {
				p.At = at
			}
			return
		}
	}
	r.ring[r.n%MaxIncidents] = Incident{At: at, Kind: kind, Model: model, Detail: detail, Count: 1, First: at}
	r.n++
}

// list returns the incidents, newest first.
func (r *incidents) list() []Incident {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := min(r.n, MaxIncidents)
	out := make([]Incident, k)
	for i := range k {
		out[i] = r.ring[(r.n-1-i)%MaxIncidents]
	}
	return out
}
