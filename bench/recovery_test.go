package bench

import (
	"net/http"
	"testing"
	"time"
)

func TestTheRecoveryCheckHoldsTheFirstModelAnswerTo1500ms(t *testing.T) {
	if c := recoveryCheck(800 * time.Millisecond); !c.Met {
		t.Fatalf("800ms: %+v", c)
	}
	if c := recoveryCheck(2 * time.Second); c.Met || c.Miss == "" {
		t.Fatalf("2s: %+v", c)
	}
	sc := recoveryScenario()
	if cs := sc.judge(&ChaosResult{Scenario: sc}, nil); len(cs) != 1 || cs[0].Met {
		t.Fatalf("no model answer at all must fail: %+v", cs)
	}
}

func TestFirstModelAnswerCountsOnlyAModelsAnswer(t *testing.T) {
	var f firstModelAnswer
	classify := f.classify(ChaosClassify)
	static := &http.Response{StatusCode: 200, Header: http.Header{}}
	classify(&Answer{Response: static})
	if !f.first.IsZero() {
		t.Fatal("the static tier's 200 counted as a model answer")
	}
	model := &http.Response{StatusCode: 200, Header: http.Header{"Bulwark-Model-Used": {"claude-haiku-5-5"}}}
	if v := classify(&Answer{Response: model}); !v.OK || f.first.IsZero() {
		t.Fatalf("a model's 200 was not noted (%+v)", v)
	}
}
