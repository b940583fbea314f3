package breaker

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"
)

// Status is one model's breaker and cooldown as [Registry.Snapshot] saw them,
// for /v1/status and the dashboard. In JSON, durations are whole
// milliseconds (rounded up, so a non-zero wait never shows as 0) and times
// are RFC 3339; zero times are left out.
type Status struct {
	// Model is the model's name.
	Model string `json:"model"`
	// State is the breaker's state ("closed", "open", "half_open").
	State State `json:"state"`
	// OpenLeft is how long the breaker stays open; 0 unless open.
	// JSON: open_left_ms.
	OpenLeft time.Duration `json:"-"`
	// OpenUntil is when an open breaker goes half-open; zero unless open.
	OpenUntil time.Time `json:"open_until,omitzero"`
	// CooldownLeft is how long the cooldown lasts; 0 when none.
	// JSON: cooldown_left_ms.
	CooldownLeft time.Duration `json:"-"`
	// CooldownUntil is when the cooldown ends; zero when none.
	CooldownUntil time.Time `json:"cooldown_until,omitzero"`
	// Failures is the failures the breaker counts in its current state:
	// closed, those within Window as of now; half-open, failed probes
	// (always 0, as one failed probe opens it again); open, the failures
	// counted when it opened (0 when a peer forced it open from clean).
	Failures int `json:"failures"`
	// Probes is the half-open probes out now; 0 unless half-open.
	Probes int `json:"probes"`
}

// MarshalJSON encodes s with its durations as open_left_ms and
// cooldown_left_ms.
func (s Status) MarshalJSON() ([]byte, error) {
	type plain Status // drops the methods, so no recursion
	return json.Marshal(struct {
		plain
		OpenLeftMS     int64 `json:"open_left_ms"`
		CooldownLeftMS int64 `json:"cooldown_left_ms"`
	}{plain(s), ceilMS(s.OpenLeft), ceilMS(s.CooldownLeft)})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (s *Status) UnmarshalJSON(b []byte) error {
	type plain Status
	var v struct {
		plain
		OpenLeftMS     int64 `json:"open_left_ms"`
		CooldownLeftMS int64 `json:"cooldown_left_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Status(v.plain)
	s.OpenLeft = time.Duration(v.OpenLeftMS) * time.Millisecond
	s.CooldownLeft = time.Duration(v.CooldownLeftMS) * time.Millisecond
	return nil
}

func ceilMS(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d > 0 && d%time.Millisecond != 0 {
		ms++
	}
	return max(ms, 0)
}

// Snapshot returns the status of every configured model and of at most
// [MaxSnapshotOthers] unconfigured ones (the most recently used of those
// whose breaker is not closed, counts failures or has a cooldown; quiet ones
// are left out), sorted by model. Open breakers whose OpenFor has passed
// move to half-open here (and report the change), as with [Registry.State].
func (r *Registry) Snapshot() []Status {
	now := r.offset(r.clock.Now())
	pinned := *r.pinned.Load()
	out := make([]Status, 0, len(pinned))
	for _, e := range pinned {
		out = append(out, e.status(now))
	}
	n := 0
	for _, e := range r.othersHeld() {
		if n == MaxSnapshotOthers {
			break
		}
		if s := e.status(now); !s.quiet() {
			out = append(out, s)
			n++
		}
	}
	slices.SortFunc(out, func(a, b Status) int { return cmp.Compare(a.Model, b.Model) })
	return out
}

// quiet reports whether s says nothing a status page needs: closed, no
// failures counted, no cooldown.
func (s Status) quiet() bool {
	return s.State == Closed && s.Failures == 0 && s.CooldownLeft == 0
}

func (e *entry) status(now int64) Status {
	s := Status{Model: e.model}
	if cd := e.cooldown.Load(); cd > now {
		s.CooldownLeft = time.Duration(cd - now)
		s.CooldownUntil = e.r.at(cd)
	}
	e.mu.Lock()
	e.advance(now)
	s.State = stateOf(e.se.Load())
	switch s.State {
	case Closed:
		s.Failures = e.win.total(now, e.r.width).failures
	case Open:
		s.Failures = e.openedBy
		s.OpenLeft = time.Duration(e.openUntil - now)
		s.OpenUntil = e.r.at(e.openUntil)
	case HalfOpen:
		s.Failures = e.tried.failures
		s.Probes = e.probes
	}
	e.unlockAndEmit()
	return s
}
