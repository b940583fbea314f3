package sim

import (
	"fmt"
	"time"
)

// Script is a timeline of fault phases, starting when the Server is created
// (read from its clock). Each phase's rules are in force for its Duration;
// after the last phase its rules stay in force, unless Loop starts the
// timeline again. Phase rules are consulted after the live rules (WithRules,
// SetRules, PUT /_sim/faults). Its JSON form is the --script file, e.g.
//
//	{"phases":[
//	  {"name":"calm","duration":"10s","rules":[]},
//	  {"name":"outage","duration":"20s","rules":[{"model":"claude-sonnet-5-5","status":529}]},
//	  {"name":"recovery","duration":"10s","rules":[{"model":"*","latency":"200ms"}]}
//	],"loop":true}
type Script struct {
	// Phases run in order. At least one is required.
	Phases []Phase `json:"phases"`
	// Loop restarts the timeline after the last phase (when the phases'
	// total duration is above 0).
	Loop bool `json:"loop,omitempty"`
}

// Phase is one step of a Script.
type Phase struct {
	// Name labels the phase in GET /_sim/faults.
	Name string `json:"name"`
	// Duration is how long the phase lasts; 0 skips it (unless it is the
	// last phase of a script that does not loop).
	Duration Duration `json:"duration"`
	// Rules are the fault rules in force during the phase.
	Rules []Rule `json:"rules"`
}

func (sc *Script) validate() error {
	if len(sc.Phases) == 0 {
		return fmt.Errorf("script: at least one phase is required")
	}
	for i := range sc.Phases {
		p := &sc.Phases[i]
		if p.Duration < 0 {
			return fmt.Errorf("phases[%d]: duration must not be negative", i)
		}
		for j := range p.Rules {
			if err := p.Rules[j].validate(); err != nil {
				return fmt.Errorf("phases[%d] (%s): rules[%d]: %w", i, p.Name, j, err)
			}
		}
	}
	return nil
}

// phaseAt returns the index of the phase in force elapsed after the start.
func (sc *Script) phaseAt(elapsed time.Duration) int {
	var total time.Duration
	for _, p := range sc.Phases {
		total += time.Duration(p.Duration)
	}
	if elapsed < 0 {
		elapsed = 0
	}
	if sc.Loop && total > 0 {
		elapsed %= total
	}
	for i, p := range sc.Phases {
		if elapsed < time.Duration(p.Duration) {
			return i
		}
		elapsed -= time.Duration(p.Duration)
	}
	return len(sc.Phases) - 1
}
