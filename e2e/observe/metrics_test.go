package observe_test

import (
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// Users of the traffic, distinctive enough to grep for in /metrics.
var users = []string{"obs-user-4f1c9e-alice", "obs-user-4f1c9e-bob"}

// traffic drives the gateway through four phases, one request at a time (so
// that the simulator's seeded draws, the breaker and the counts are
// repeatable), and returns every answer:
//
//  1. healthy: the default chain (streamed and not), the unpriced model, a
//     model the simulator answers 404 and one it answers 401;
//  2. flaky: the primary fails 400 at 20% and 529 at 20% of what is left;
//  3. down: the primary fails 529 until its breaker is open, then a few
//     requests more (which skip it);
//  4. the unpriced model's stream fails before its first token (SSE error
//     event after message_start), then it answers 429 with a retry-after of
//     20 s (a cooldown) and the next request skips it.
func traffic(t *testing.T, simP, gw *proc) []*answer {
	t.Helper()
	base := []rule{{Model: gone, Status: 404}, {Model: locked, Status: 401}}
	with := func(more ...rule) []rule { return append(slices.Clone(base), more...) }
	var all []*answer
	do := func(model string, i int, stream bool) {
		all = append(all, send(t, gw, model, users[i%2], stream))
	}

	setFaults(t, simP, base...)
	for i := range 6 {
		do(primary, i, i%2 == 1)
	}
	for i := range 3 {
		do(unpriced, i, i == 2)
	}
	do(gone, 0, false)
	do(locked, 1, false)

	setFaults(t, simP, with(rule{Model: primary, Status: 400, Rate: 0.2}, rule{Model: primary, Status: 529, Rate: 0.2})...)
	for i := range 30 {
		do(primary, i, i%3 == 0)
	}

	setFaults(t, simP, with(rule{Model: primary, Status: 529})...)
	for i := 0; i < 10 && getStatus(t, gw).breakerState(primary) != "open"; i++ {
		do(primary, i, i%2 == 0)
	}
	for i := range 3 {
		do(primary, i, i == 1)
	}

	setFaults(t, simP, with(rule{Model: primary, Status: 529}, rule{Model: unpriced, StreamError: true})...)
	do(unpriced, 0, true)
	setFaults(t, simP, with(rule{Model: primary, Status: 529}, rule{Model: unpriced, Status: 429, RetryAfter: sim.Duration(20 * time.Second)})...)
	do(unpriced, 0, false)
	do(unpriced, 1, false)
	return all
}

// wantOutcome is the outcome label a request must be counted under, from
// what the client saw.
func wantOutcome(a *answer) string {
	switch {
	case a.status == http.StatusOK && a.fallback:
		return "fallback"
	case a.status == http.StatusOK:
		return "answered"
	case a.model == locked: // 401: no other tier has other credentials
		return "rejected"
	case a.status == http.StatusBadRequest: // passed back as it is
		return "rejected"
	}
	return "exhausted" // 404 on the only tier, the failed stream, the 429s
}

// simClass maps a simulator outcome to the status_class label of the
// attempts it stands for.
func simClass(outcome string) string {
	switch outcome {
	case "ok":
		return "2xx"
	case "status_529", "stream_error": // the stream error is an overloaded_error
		return "529"
	case "status_429":
		return "429"
	}
	if strings.HasPrefix(outcome, "status_4") {
		return "4xx"
	}
	return "unexpected:" + outcome
}

func cost(model string, u usage) float64 {
	p := prices[model]
	return (float64(u.InputTokens)*p.in + float64(u.OutputTokens)*p.out +
		float64(u.CacheCreationInputTokens)*p.cacheWrite + float64(u.CacheReadInputTokens)*p.cacheRead) / 1e6
}

// TestMetricsMatchSimulator drives traffic with faults through a real
// `bulwark serve` and checks /metrics and /v1/status against the simulator's
// own counts and against what the client received.
func TestMetricsMatchSimulator(t *testing.T) {
	simP, gw := startPair(t)
	all := traffic(t, simP, gw)
	f := scrape(t, gw)
	sim := getSimStats(t, simP)
	st := getStatus(t, gw)
	n := len(all)
	// Tokens billed by attempts thrown away: only the unpriced model's
	// stream that failed after message_start has any.
	discarded := f.sum("bulwark_discarded_tokens_total", "model", unpriced)
	var failedStreamUser string
	for _, a := range all {
		if a.model == unpriced && a.stream && a.status != http.StatusOK {
			failedStreamUser = a.user
		}
	}

	// What the client saw, summed.
	outcomes := map[string]int64{}
	var fallbacks, streamsDone, sumAttempts int
	var retried, cutShort, skippedFirst int // on the primary
	var retriedOther int                    // on the one-tier chains
	tokens := map[string]usage{}
	spendUSD := map[string]float64{}
	type userSpend struct {
		usd      float64
		unknown  int64
		requests int64
	}
	byUser := map[string]*userSpend{}
	var ids []string
	for _, a := range all {
		outcomes[wantOutcome(a)]++
		sumAttempts += a.attempts
		ids = append(ids, a.header.Get("bulwark-request-id"), a.header.Get("request-id"))
		u := byUser[a.user]
		if u == nil {
			u = &userSpend{}
			byUser[a.user] = u
		}
		u.requests++
		if a.fallback {
			fallbacks++
		}
		if a.stream && a.complete {
			streamsDone++
		}
		if a.model != primary && a.attempts > 1 {
			retriedOther += a.attempts - 1
		}
		if a.model == primary {
			onPrimary := a.attempts
			if a.fallback {
				onPrimary-- // the fallback answered at its first attempt: it has no fault
			}
			switch {
			case onPrimary == 0:
				skippedFirst++ // its breaker was open
			case onPrimary == 2:
				retried++
			case onPrimary == 1 && a.fallback:
				// A 529 that left the primary without its retry: the one
				// that opened the breaker, whose retry was then skipped.
				cutShort++
			}
		}
		if a.status == http.StatusOK {
			if !a.hasUsage || a.modelUsed == "" {
				t.Fatalf("answer without usage or bulwark-model-used: %v", a)
			}
			tk := tokens[a.modelUsed]
			tk.InputTokens += a.usage.InputTokens
			tk.OutputTokens += a.usage.OutputTokens
			tk.CacheCreationInputTokens += a.usage.CacheCreationInputTokens
			tk.CacheReadInputTokens += a.usage.CacheReadInputTokens
			tokens[a.modelUsed] = tk
			if _, ok := prices[a.modelUsed]; ok {
				c := cost(a.modelUsed, a.usage)
				spendUSD[a.modelUsed] += c
				u.usd += c
			} else {
				u.unknown += a.usage.total()
			}
		}
	}
	t.Logf("%d requests: %v; %d fallbacks; on the primary %d retried, %d cut short by the breaker, %d skipped",
		n, outcomes, fallbacks, retried, cutShort, skippedFirst)
	if testing.Verbose() {
		for _, a := range all {
			t.Log(a)
		}
	}
	// The traffic must have exercised what is checked below.
	if outcomes["answered"] == 0 || fallbacks == 0 || outcomes["rejected"] < 2 || retried == 0 || skippedFirst == 0 || streamsDone == 0 {
		t.Fatalf("the traffic did not cover answers, fallbacks, 400s, retries, skips and streams: %v", outcomes)
	}

	t.Run("requests", func(t *testing.T) {
		got := f.byLabel("bulwark_requests_total", "outcome")
		for o, v := range got {
			if int64(v) != outcomes[o] {
				t.Errorf("bulwark_requests_total{outcome=%q} = %v, want %d", o, v, outcomes[o])
			}
		}
		for o, v := range outcomes {
			if _, ok := got[o]; !ok {
				t.Errorf("bulwark_requests_total{outcome=%q} missing, want %d", o, v)
			}
		}
		if s := f.sum("bulwark_requests_total"); int(s) != n {
			t.Errorf("bulwark_requests_total sums to %v, want %d", s, n)
		}
		if s := f.sum("bulwark_request_duration_seconds"); int(s) != n {
			t.Errorf("bulwark_request_duration_seconds has %v samples, want %d", s, n)
		}
		if s := f.sum("bulwark_time_to_first_token_seconds"); int(s) != streamsDone {
			t.Errorf("bulwark_time_to_first_token_seconds has %v samples, want %d (the streams answered)", s, streamsDone)
		}
		if s := f.sum("bulwark_hard_timeouts_total"); s != 0 {
			t.Errorf("bulwark_hard_timeouts_total = %v, want 0", s)
		}
	})

	t.Run("attempts", func(t *testing.T) {
		if int64(sumAttempts) != sim.Requests {
			t.Errorf("the bulwark-attempts headers sum to %d; the simulator saw %d requests", sumAttempts, sim.Requests)
		}
		want := map[string]map[string]float64{}
		for model, ms := range sim.Models {
			want[model] = map[string]float64{}
			for o, c := range ms.Outcomes {
				want[model][simClass(o)] += float64(c)
			}
			if got := f.sum("bulwark_upstream_attempts_total", "model", model); int64(got) != ms.Requests {
				t.Errorf("bulwark_upstream_attempts_total{model=%q} = %v; the simulator saw %d (%v)", model, got, ms.Requests, ms.Outcomes)
			}
		}
		for _, m := range f.series("bulwark_upstream_attempts_total") {
			model, class := label(m, "model"), label(m, "status_class")
			if got, w := m.Counter.GetValue(), want[model][class]; got != w {
				t.Errorf("bulwark_upstream_attempts_total{model=%q,status_class=%q} = %v, want %v (simulator: %v)",
					model, class, got, w, sim.Models[model].Outcomes)
			}
			delete(want[model], class)
		}
		for model, rest := range want {
			for class, v := range rest {
				t.Errorf("bulwark_upstream_attempts_total{model=%q,status_class=%q} missing, want %v", model, class, v)
			}
		}
	})

	t.Run("fallbacks and retries", func(t *testing.T) {
		if got := f.sum("bulwark_fallbacks_total", "from", primary, "to", fallback); int(got) != fallbacks {
			t.Errorf("bulwark_fallbacks_total{from=%q,to=%q} = %v; %d answers had bulwark-fallback: true", primary, fallback, got, fallbacks)
		}
		if got := f.sum("bulwark_fallbacks_total"); int(got) != fallbacks {
			t.Errorf("bulwark_fallbacks_total sums to %v, want %d", got, fallbacks)
		}
		// bulwark_retries_total counts the retries that reached the upstream:
		// a retry whose attempt the breaker then refused (the failure before
		// it opened the breaker) is a tier skip, not a retry.
		if cutShort > 1 {
			t.Errorf("%d requests left the primary after one 529 without a retry; the breaker opens once", cutShort)
		}
		if got := f.byLabel("bulwark_retries_total", "reason", "model", primary); int(got["overloaded"]) != retried || len(got) != 1 {
			t.Errorf("bulwark_retries_total{model=%q} by reason = %v, want overloaded: %d retried attempts (%d cut short are skips)",
				primary, got, retried, cutShort)
		}
		if got, want := f.sum("bulwark_retries_total"), float64(retried+retriedOther); got != want || retriedOther == 0 {
			t.Errorf("bulwark_retries_total sums to %v, want %v (%d on the one-tier chains)", got, want, retriedOther)
		}
		if got := f.sum("bulwark_tier_skips_total", "model", primary, "reason", "open"); int(got) != skippedFirst+cutShort {
			t.Errorf("bulwark_tier_skips_total{model=%q,reason=open} = %v, want %d", primary, got, skippedFirst+cutShort)
		}
		if got := f.sum("bulwark_tier_skips_total", "model", unpriced, "reason", "cooldown"); got != 1 {
			t.Errorf("bulwark_tier_skips_total{model=%q,reason=cooldown} = %v, want 1", unpriced, got)
		}
	})

	t.Run("breakers and cooldowns", func(t *testing.T) {
		if got := f.sum("bulwark_breaker_state", "model", primary); got != 2 {
			t.Errorf("bulwark_breaker_state{model=%q} = %v, want 2 (open)", primary, got)
		}
		if got := f.sum("bulwark_breaker_state", "model", fallback); got != 0 {
			t.Errorf("bulwark_breaker_state{model=%q} = %v, want 0 (closed)", fallback, got)
		}
		if got := f.byLabel("bulwark_breaker_transitions_total", "to", "model", primary); got["open"] != 1 || len(got) != 1 {
			t.Errorf("bulwark_breaker_transitions_total{model=%q} by to = %v, want open: 1", primary, got)
		}
		if got := f.sum("bulwark_breaker_transitions_total"); got != 1 {
			t.Errorf("bulwark_breaker_transitions_total sums to %v, want 1", got)
		}
		if got := f.sum("bulwark_cooldowns_total", "model", unpriced); got != 1 {
			t.Errorf("bulwark_cooldowns_total{model=%q} = %v, want 1", unpriced, got)
		}
		if got := f.sum("bulwark_cooldowns_total"); got != 1 {
			t.Errorf("bulwark_cooldowns_total sums to %v, want 1", got)
		}
	})

	t.Run("tokens and cost", func(t *testing.T) {
		kinds := func(u usage) map[string]float64 {
			return map[string]float64{"input": float64(u.InputTokens), "output": float64(u.OutputTokens),
				"cache_write": float64(u.CacheCreationInputTokens), "cache_read": float64(u.CacheReadInputTokens)}
		}
		seen := map[string]bool{}
		for _, m := range f.series("bulwark_tokens_total") {
			model, kind := label(m, "model"), label(m, "kind")
			seen[model] = true
			if got, want := m.Counter.GetValue(), kinds(tokens[model])[kind]; got != want {
				t.Errorf("bulwark_tokens_total{model=%q,kind=%q} = %v; the answers' usage sums to %v", model, kind, got, want)
			}
		}
		for model := range tokens {
			if !seen[model] {
				t.Errorf("no bulwark_tokens_total for %s, which answered %+v", model, tokens[model])
			}
		}
		for _, model := range []string{primary, fallback} {
			if got, want := f.sum("bulwark_cost_usd_total", "model", model), spendUSD[model]; !near(got, want) || want == 0 {
				t.Errorf("bulwark_cost_usd_total{model=%q} = %v; tokens × price = %v", model, got, want)
			}
			if f.series("bulwark_cost_unknown_tokens_total", "model", model) != nil {
				t.Errorf("%s has a price but a bulwark_cost_unknown_tokens_total series", model)
			}
		}
		if f.series("bulwark_cost_usd_total", "model", unpriced) != nil {
			t.Errorf("%s has no price but a bulwark_cost_usd_total series: unknown spend must not show as a cost", unpriced)
		}
		// The unpriced model's stream that failed after message_start was
		// billed for its input on each attempt: discarded, and unknown spend.
		if discarded != f.sum("bulwark_discarded_tokens_total") || discarded == 0 {
			t.Errorf("bulwark_discarded_tokens_total = %v, want %v, all on %s's failed stream", f.sum("bulwark_discarded_tokens_total"), discarded, unpriced)
		}
		if got, want := f.sum("bulwark_cost_unknown_tokens_total", "model", unpriced), float64(tokens[unpriced].total())+discarded; got != want || want == 0 {
			t.Errorf("bulwark_cost_unknown_tokens_total{model=%q} = %v, want %v (its answers' tokens + %v discarded)", unpriced, got, want, discarded)
		}
	})

	t.Run("misconfig", func(t *testing.T) {
		if got := f.sum("bulwark_misconfig_total", "model", gone, "class", "not_found"); got != 1 {
			t.Errorf("bulwark_misconfig_total{model=%q,class=not_found} = %v, want 1 (a 404)", gone, got)
		}
		if got := f.sum("bulwark_misconfig_total", "model", locked, "class", "auth"); got != 1 {
			t.Errorf("bulwark_misconfig_total{model=%q,class=auth} = %v, want 1 (a 401)", locked, got)
		}
		if got := f.sum("bulwark_misconfig_total"); got != 2 {
			t.Errorf("bulwark_misconfig_total sums to %v, want 2", got)
		}
	})

	t.Run("no ids in labels", func(t *testing.T) {
		for _, u := range users {
			if strings.Contains(f.raw, u) || strings.Contains(f.raw, "4f1c9e") {
				t.Errorf("/metrics contains the user id %q", u)
			}
		}
		for _, id := range ids {
			if id != "" && strings.Contains(f.raw, id) {
				t.Errorf("/metrics contains the request id %q", id)
			}
		}
		for name, fam := range f.m {
			for _, m := range fam.Metric {
				for _, l := range m.Label {
					if k := l.GetName(); k == "user" || k == "user_id" || k == "request_id" || strings.HasPrefix(l.GetValue(), "req_") ||
						strings.HasPrefix(l.GetValue(), "msg_") {
						t.Errorf("%s has label %s=%q", name, k, l.GetValue())
					}
				}
			}
		}
	})

	t.Run("alert rules use exported metrics", func(t *testing.T) {
		b, err := os.ReadFile("../../deploy/prometheus/alerts.yaml")
		if err != nil {
			t.Fatal(err)
		}
		names := regexp.MustCompile(`\bbulwark_[a-z_]+`).FindAllString(string(b), -1)
		if len(names) == 0 {
			t.Fatal("no bulwark_ metric in alerts.yaml")
		}
		for _, name := range names {
			if !f.has(name) {
				t.Errorf("alerts.yaml uses %s, which the gateway does not export after traffic", name)
			}
		}
	})

	t.Run("status", func(t *testing.T) {
		for o, v := range outcomes {
			if st.Requests[o] != v {
				t.Errorf("/v1/status requests[%q] = %d, want %d", o, st.Requests[o], v)
			}
		}
		var series int64
		for _, p := range st.Series {
			series += p.Requests
		}
		if series != int64(n) {
			t.Errorf("/v1/status series sums to %d requests, want %d", series, n)
		}
		for _, w := range []string{"1m", "5m"} {
			r, ok := st.Rates[w]
			if !ok {
				t.Errorf("/v1/status has no %s rate", w)
				continue
			}
			if r.Requests != int64(n) || r.Fallbacks != int64(fallbacks) || r.Errors != outcomes["exhausted"] || r.Static != 0 || r.Seconds < 1 {
				t.Errorf("/v1/status rates[%s] = %+v; want %d requests, %d fallbacks, %d errors", w, r, n, fallbacks, outcomes["exhausted"])
			}
		}

		var open, cooling bool
		for _, b := range st.Breakers {
			switch b.Model {
			case primary:
				open = b.State == "open" && b.OpenLeftMS > 0 && b.OpenLeftMS <= 30_000 && b.Failures >= 3
			case unpriced:
				cooling = b.CooldownLeftMS > 0 && b.CooldownLeftMS <= 20_000
			}
		}
		if !open || !cooling {
			t.Errorf("/v1/status breakers = %+v; want %s open (with the time left) and %s cooling down", st.Breakers, primary, unpriced)
		}
		if st.Store == nil || st.Store.Backend != "memory" || !st.Store.OK {
			t.Errorf("/v1/status store = %+v, want the memory store, ok", st.Store)
		}

		var total float64
		for _, m := range st.Spend.Models {
			switch m.Model {
			case primary, fallback:
				if !m.Priced || m.USD == nil || !near(*m.USD, spendUSD[m.Model]) || m.InputTokens != tokens[m.Model].InputTokens {
					t.Errorf("/v1/status spend of %s = %+v (usd %v), want $%v and %d input tokens", m.Model, m, deref(m.USD), spendUSD[m.Model], tokens[m.Model].InputTokens)
				}
				total += spendUSD[m.Model]
			case unpriced:
				if m.Priced || m.USD != nil || m.UnknownTokens != tokens[unpriced].total()+int64(discarded) {
					t.Errorf("/v1/status spend of %s = %+v (usd %v), want usd null and %d unknown tokens", m.Model, m, deref(m.USD), tokens[unpriced].total()+int64(discarded))
				}
			}
		}
		if !near(st.Spend.TotalUSD, total) || st.Spend.UnknownTokens != tokens[unpriced].total()+int64(discarded) ||
			st.Spend.DiscardedUSD == nil || *st.Spend.DiscardedUSD != 0 {
			t.Errorf("/v1/status spend: total $%v, %d unknown tokens, discarded %v; want $%v, %d, 0",
				st.Spend.TotalUSD, st.Spend.UnknownTokens, deref(st.Spend.DiscardedUSD), total, tokens[unpriced].total()+int64(discarded))
		}
		if len(st.Spend.Users) != len(users) {
			t.Errorf("/v1/status spend by user = %+v, want %d users", st.Spend.Users, len(users))
		}
		for _, u := range st.Spend.Users {
			w := byUser[u.User]
			if w != nil && u.User == failedStreamUser {
				w.unknown += int64(discarded)
			}
			if w == nil || !near(u.USD, w.usd) || u.UnknownTokens != w.unknown || u.Requests != w.requests {
				t.Errorf("/v1/status spend of user %q = %+v, want %+v", u.User, u, w)
			}
		}

		kinds := map[string]bool{}
		for _, in := range st.Incidents {
			kinds[in.Kind+" "+in.Model] = true
		}
		for _, k := range []string{"breaker " + primary, "cooldown " + unpriced, "misconfig " + gone, "misconfig " + locked} {
			if !kinds[k] {
				t.Errorf("/v1/status incidents %+v lack a %s", st.Incidents, k)
			}
		}
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
