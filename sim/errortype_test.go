package sim_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// The simulator keeps its own table of error types (it plays the API and must
// not agree with the gateway by sharing its code); this checks the two agree.
func TestStatusRuleErrorTypesAgreeWithTaxonomysTable(t *testing.T) {
	for st := 400; st <= 599; st++ {
		s := sim.New(sim.WithRules([]sim.Rule{{Model: "*", Status: st}}))
		rec := serve(s, "POST", "/v1/messages", body("claude-sonnet-5-5", "hi"))
		if rec.Code != st {
			t.Fatalf("status %d: answered %d", st, rec.Code)
		}
		if got, want := decodeError(t, rec.Body.Bytes()).Error.Type, taxonomy.ErrorType(st); got != want {
			t.Errorf("status %d: the simulator says %s, taxonomy %s", st, got, want)
		}
		s.Close()
	}
}
