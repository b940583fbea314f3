package metrics

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

const alertsFile = "../deploy/prometheus/alerts.yaml"

// ruleFile is the shape of a Prometheus rule file (rulefmt), alerting rules
// only. Unknown keys are an error.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	return f
}

// promDuration is Prometheus' duration syntax (model.ParseDuration).
var promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

func TestAlertRulesAreWellFormed(t *testing.T) {
	f := loadRules(t)
	if len(f.Groups) == 0 {
		t.Fatal("no rule group")
	}
	seen := map[string]bool{}
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: needs a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			if !regexp.MustCompile(`^Bulwark[A-Z][A-Za-z]+$`).MatchString(r.Alert) || seen[r.Alert] {
				t.Errorf("alert %q: want a unique BulwarkCamelCase name", r.Alert)
			}
			seen[r.Alert] = true
			if strings.TrimSpace(r.Expr) == "" {
				t.Errorf("%s: empty expr", r.Alert)
			}
			if r.For != "" && !promDuration.MatchString(r.For) {
				t.Errorf("%s: for %q is not a Prometheus duration", r.Alert, r.For)
			}
			if s := r.Labels["severity"]; s != "page" && s != "warning" {
				t.Errorf("%s: severity %q, want page or warning", r.Alert, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: needs a summary and a description", r.Alert)
			}
			if err := balanced(r.Expr); err != "" {
				t.Errorf("%s: %s", r.Alert, err)
			}
		}
	}
	for _, want := range []string{"BulwarkFallbackRateHigh", "BulwarkMisconfiguration", "BulwarkBreakerOpen", "BulwarkHardTimeoutsHigh"} {
		if !seen[want] {
			t.Errorf("alert %s is missing", want)
		}
	}
}

func balanced(expr string) string {
	var stack []rune
	pair := map[rune]rune{')': '(', ']': '[', '}': '{'}
	inString := false
	for _, c := range expr {
		switch {
		case c == '"':
			inString = !inString
		case inString:
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1] != pair[c] {
				return "unbalanced " + string(c)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if inString || len(stack) > 0 {
		return "unclosed bracket or string"
	}
	return ""
}

// trafficMetrics returns a Metrics that has seen every kind of event, so
// that every series an alert may use exists.
func trafficMetrics(t *testing.T) *Metrics {
	m, _ := newTest(t, WithModels("claude-sonnet-5-5", "claude-haiku-5-5"))
	for o := range nOutcomes {
		m.Request(RequestInfo{Outcome: o, Model: "claude-sonnet-5-5", Duration: time.Second, TTFT: time.Millisecond,
			Usage: catalog.Usage{InputTokens: 1}, DiscardedUsage: catalog.Usage{OutputTokens: 1}, HardTimeout: o == OutcomeDeadline})
	}
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "claude-haiku-4-5", Usage: catalog.Usage{InputTokens: 1}, DiscardedUsage: catalog.Usage{OutputTokens: 1}})
	for _, st := range []int{200, 404, 429, 500, 529} {
		m.Attempted("claude-sonnet-5-5", st, taxonomy.Classify(taxonomy.Result{Status: st}, t0), time.Second)
	}
	m.Retried("claude-sonnet-5-5", taxonomy.Overloaded)
	m.Skipped("claude-sonnet-5-5", breaker.SkipOpen)
	m.FellBack("claude-sonnet-5-5", "claude-haiku-5-5")
	m.BreakerChanged(breaker.Change{Model: "claude-sonnet-5-5", From: breaker.Closed, To: breaker.Open, At: t0})
	m.CooldownStarted("claude-haiku-5-5", t0.Add(time.Minute))
	m.UserCutOff("u")
	return m
}

// selector is a metric name with its optional {matchers}.
var selector = regexp.MustCompile(`\b(bulwark_[a-z_]+)(\{([^}]*)\})?`)
var matcher = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*$`)
var byClause = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)

func TestAlertRulesUseOnlyExportedMetricsAndLabels(t *testing.T) {
	m := trafficMetrics(t)
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	// labels[name][label] = values seen.
	labels := map[string]map[string][]string{}
	for _, f := range fams {
		names := []string{f.GetName()}
		if f.GetType().String() == "HISTOGRAM" {
			names = append(names, f.GetName()+"_bucket", f.GetName()+"_sum", f.GetName()+"_count")
		}
		for _, n := range names {
			ls := map[string][]string{}
			for _, mt := range f.GetMetric() {
				for _, lp := range mt.GetLabel() {
					ls[lp.GetName()] = append(ls[lp.GetName()], lp.GetValue())
				}
			}
			if strings.HasSuffix(n, "_bucket") {
				ls["le"] = []string{"+Inf"}
			}
			labels[n] = ls
		}
	}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			used := selector.FindAllStringSubmatch(r.Expr, -1)
			if len(used) == 0 {
				t.Errorf("%s: uses no bulwark_ metric", r.Alert)
			}
			all := map[string]bool{}
			for _, u := range used {
				name := u[1]
				ls, ok := labels[name]
				if !ok {
					t.Errorf("%s: metric %s is not exported", r.Alert, name)
					continue
				}
				for l := range ls {
					all[l] = true
				}
				if u[3] == "" {
					continue
				}
				for _, part := range strings.Split(u[3], ",") {
					mm := matcher.FindStringSubmatch(part)
					if mm == nil {
						t.Errorf("%s: cannot read matcher %q", r.Alert, part)
						continue
					}
					vals, ok := ls[mm[1]]
					if !ok {
						t.Errorf("%s: %s has no label %q", r.Alert, name, mm[1])
						continue
					}
					// Each alternative of a plain a|b|c regex must be a value
					// the metric takes.
					if mm[2] == "=" || mm[2] == "=~" {
						for _, v := range strings.Split(mm[3], "|") {
							if !regexp.MustCompile(`^[a-z0-9_]+$`).MatchString(v) {
								continue
							}
							if !slices.Contains(vals, v) {
								t.Errorf("%s: %s{%s} never takes the value %q (has %v)", r.Alert, name, mm[1], v, vals)
							}
						}
					}
				}
			}
			for _, b := range byClause.FindAllStringSubmatch(r.Expr, -1) {
				for _, l := range strings.Split(b[1], ",") {
					if l = strings.TrimSpace(l); l != "" && !all[l] {
						t.Errorf("%s: groups by %q, a label none of its metrics has", r.Alert, l)
					}
				}
			}
		}
	}
}

// TestAlertRulesPassPromtool runs `promtool check rules` (every PromQL
// expression parses) and `promtool test rules` on alerts_test.yaml (each
// alert fires, and only, when it should) when promtool is installed (Debian
// package prometheus).
func TestAlertRulesPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus): PromQL syntax and alert behaviour not checked")
	}
	dir, _ := filepath.Abs(filepath.Dir(alertsFile))
	for _, args := range [][]string{{"check", "rules", "alerts.yaml"}, {"test", "rules", "alerts_test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
