package sim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

func TestDurationReadsAndWritesGoDurationStrings(t *testing.T) {
	for in, want := range map[string]time.Duration{`"150ms"`: 150 * time.Millisecond, `"2s"`: 2 * time.Second, `"1m30s"`: 90 * time.Second, `""`: 0, `null`: 0} {
		var d sim.Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v %v", in, time.Duration(d), err)
		}
	}
	for _, in := range []string{`150`, `"fast"`, `"-1s"`, `true`} {
		var d sim.Duration
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
	b, _ := json.Marshal(struct {
		D sim.Duration `json:"d"`
	}{sim.Duration(2500 * time.Millisecond)})
	if string(b) != `{"d":"2.5s"}` {
		t.Errorf("marshal: %s", b)
	}
}

func TestParseRulesAcceptsTheObjectOrABareArray(t *testing.T) {
	for _, in := range []string{`{"rules":[{"model":"*","latency":"20ms"}]}`, ` [{"model":"*","latency":"20ms"}] `} {
		rules, err := sim.ParseRules([]byte(in))
		if err != nil || len(rules) != 1 || rules[0].Latency != sim.Duration(20*time.Millisecond) {
			t.Errorf("%s: %+v %v", in, rules, err)
		}
	}
	if _, err := sim.ParseRules([]byte(`{"rules":[]} {}`)); err == nil || !strings.Contains(err.Error(), "after the JSON value") {
		t.Errorf("trailing data: %v", err)
	}
	for in, want := range map[string]string{
		`[{"model":"*","error_type":"api_error"}]`:                               "error_type \"api_error\" needs status or stream_error",
		`[{"model":"*","retry_after":"1s"}]`:                                     "retry_after needs status",
		`[{"model":"*","stall_after_tokens":-1}]`:                                "stall_after_tokens -1 is negative",
		`[{"model":"*","stream_error_after_tokens":2,"error_type":"api_error"}]`: "",
	} {
		_, err := sim.ParseRules([]byte(in))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestParseScript(t *testing.T) {
	sc, err := sim.ParseScript([]byte(`{"phases":[{"name":"calm","duration":"10s","rules":[]},
		{"name":"outage","duration":"20s","rules":[{"model":"claude-sonnet-5-5","status":529}]}],"loop":true}`))
	if err != nil || len(sc.Phases) != 2 || !sc.Loop || sc.Phases[1].Rules[0].Status != 529 || sc.Phases[0].Duration != sim.Duration(10*time.Second) {
		t.Fatalf("%+v %v", sc, err)
	}
	for in, want := range map[string]string{
		`{"phases":[]}`: "at least one phase",
		`{"phases":[{"name":"a","duration":"soon"}]}`:                                  `phases[0].duration: bad duration "soon"`,
		`{"phases":[{"name":"a","duration":"1s","rules":[{"model":"*","rate":2}]}]}`:   "phases[0] (a): rules[0]: rate 2 is outside 0..1",
		`{"phases":[{"name":"a","duration":"1s","rules":[{"model":"*","lat":"1s"}]}]}`: `phases[0]: rules[0]: unknown field "lat"`,
		`{"phase":[]}`: `unknown field "phase"`,
	} {
		if _, err := sim.ParseScript([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestSetRulesUsesInvalidValuesPredictably(t *testing.T) {
	s := sim.New(sim.WithRules([]sim.Rule{{Model: "*", Rate: 7, Status: 200, Latency: -5}, {Model: "*", Status: 503, Rate: -1}}))
	got := s.Rules()
	if got[0].Rate != 0 || got[0].Status != 0 || got[0].Latency != 0 {
		t.Errorf("normalized %+v", got[0])
	}
	if rec := serve(s, "POST", "/v1/messages", body("m", "hi")); rec.Code != 503 {
		t.Errorf("status %d: a rate outside 0..1 means always", rec.Code)
	}
}
