package metrics

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

func TestStatusRatesOverOneAndFiveMinutes(t *testing.T) {
	m, fc := newTest(t)
	// Minute 0: 60 requests a minute, 6 of them fallbacks.
	for s := range 240 {
		outcome := OutcomeAnswered
		switch s % 10 {
		case 1:
			outcome = OutcomeFallback
		case 2:
			if s >= 180 {
				outcome = OutcomeExhausted // errors only in the last minute
			}
		}
		m.Request(RequestInfo{Outcome: outcome})
		fc.Advance(time.Second)
	}
	// Last minute: a static answer too (also a fallback).
	m.Request(RequestInfo{Outcome: OutcomeStatic})
	r := m.Status().Rates

	want1 := Rate{Seconds: 60, Requests: 60, Fallbacks: 7, Errors: 6, Static: 1}
	want5 := Rate{Seconds: 241, Requests: 241, Fallbacks: 25, Errors: 6, Static: 1}
	for _, c := range []struct {
		name      string
		got, want Rate
	}{{"1m", r.OneMinute, want1}, {"5m", r.FiveMinutes, want5}} {
		g, w := c.got, c.want
		if g.Seconds != w.Seconds || g.Requests != w.Requests || g.Fallbacks != w.Fallbacks || g.Errors != w.Errors || g.Static != w.Static {
			t.Errorf("%s: got %+v, want counts %+v", c.name, g, w)
		}
		if !near(g.RequestsPerSecond, float64(w.Requests)/float64(w.Seconds)) ||
			!near(g.FallbackRatio, float64(w.Fallbacks)/float64(w.Requests)) ||
			!near(g.ErrorRatio, float64(w.Errors)/float64(w.Requests)) {
			t.Errorf("%s: rates %+v do not follow from the counts", c.name, g)
		}
	}
}

func TestStatusRatesForgetOldSeconds(t *testing.T) {
	m, fc := newTest(t)
	for range 50 {
		m.Request(RequestInfo{Outcome: OutcomeExhausted})
	}
	fc.Advance(2 * time.Minute)
	r := m.Status().Rates
	if r.OneMinute.Requests != 0 || r.FiveMinutes.Requests != 50 {
		t.Errorf("after 2 min: 1m %d, 5m %d requests; want 0, 50", r.OneMinute.Requests, r.FiveMinutes.Requests)
	}
	fc.Advance(5 * time.Minute)
	m.Request(RequestInfo{Outcome: OutcomeAnswered})
	r = m.Status().Rates
	if r.FiveMinutes.Requests != 1 || r.FiveMinutes.Errors != 0 || r.FiveMinutes.Seconds != SeriesSeconds {
		t.Errorf("after 7 min: 5m = %+v, want 1 request, no error, over 300 s", r.FiveMinutes)
	}
	if r.OneMinute.ErrorRatio != 0 {
		t.Errorf("error ratio = %v, want 0", r.OneMinute.ErrorRatio)
	}
}

func TestStatusSeriesIsPerSecondOldestFirst(t *testing.T) {
	m, fc := newTest(t)
	m.Request(RequestInfo{Outcome: OutcomeAnswered})
	fc.Advance(time.Second)
	m.Request(RequestInfo{Outcome: OutcomeFallback})
	m.Request(RequestInfo{Outcome: OutcomeDeadline})
	fc.Advance(1500 * time.Millisecond)
	s := m.Status().Series
	if len(s) != SeriesSeconds {
		t.Fatalf("%d points, want %d", len(s), SeriesSeconds)
	}
	last := s[len(s)-1]
	if last.T != t0.Unix()+2 || last.Requests != 0 {
		t.Errorf("last point = %+v, want the current (empty) second %d", last, t0.Unix()+2)
	}
	want := []Point{
		{T: t0.Unix(), Requests: 1},
		{T: t0.Unix() + 1, Requests: 2, Fallbacks: 1, Errors: 1},
	}
	if got := s[len(s)-3 : len(s)-1]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("points = %+v, want %+v", got, want)
	}
	for i := 1; i < len(s); i++ {
		if s[i].T != s[i-1].T+1 {
			t.Fatalf("points %d and %d are not one second apart", i-1, i)
		}
	}
}

func TestStatusSpendShowsUnknownAsNull(t *testing.T) {
	prices := catalog.Prices{"claude-haiku-4-5": {Input: 1, Output: 5}}
	m, _ := newTest(t, WithPrices(prices), WithModels("claude-sonnet-5-5"))
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "claude-haiku-4-5", User: "alice",
		Usage: catalog.Usage{InputTokens: 1_000_000, OutputTokens: 100_000}})
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "claude-sonnet-5-5", User: "bob",
		Usage: catalog.Usage{InputTokens: 500, OutputTokens: 20}})

	b, err := json.Marshal(m.Status())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Spend struct {
			TotalUSD      float64 `json:"total_usd"`
			UnknownTokens int64   `json:"unknown_tokens"`
			Models        []struct {
				Model         string   `json:"model"`
				USD           *float64 `json:"usd"`
				UnknownTokens int64    `json:"unknown_tokens"`
			} `json:"models"`
			Users []UserSpend `json:"users"`
		} `json:"spend"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	sp := got.Spend
	if !near(sp.TotalUSD, 1.5) || sp.UnknownTokens != 520 {
		t.Errorf("total %v USD, %d unknown tokens; want 1.5, 520", sp.TotalUSD, sp.UnknownTokens)
	}
	if len(sp.Models) != 2 || sp.Models[0].Model != "claude-haiku-4-5" || sp.Models[0].USD == nil || !near(*sp.Models[0].USD, 1.5) {
		t.Fatalf("models = %s, want haiku first at 1.5 USD", b)
	}
	if sp.Models[1].USD != nil || sp.Models[1].UnknownTokens != 520 {
		t.Errorf("sonnet-5-5 (no price): usd %v, unknown %d; want null, 520", sp.Models[1].USD, sp.Models[1].UnknownTokens)
	}
	if len(sp.Users) != 2 || sp.Users[0].User != "alice" || sp.Users[1].UnknownTokens != 520 {
		t.Errorf("users = %+v, want alice first, then bob with 520 unknown tokens", sp.Users)
	}
}

func TestStatusJSONHasTheDashboardKeys(t *testing.T) {
	m, _ := newTest(t)
	m.Request(RequestInfo{Outcome: OutcomeAnswered})
	m.Incident("store", "", "redis down")
	b, _ := json.Marshal(m.Status())
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"now", "started", "requests", "rates", "series", "incidents", "spend"} {
		if _, ok := top[k]; !ok {
			t.Errorf("status JSON lacks %q: %s", k, b)
		}
	}
	var rates map[string]map[string]any
	_ = json.Unmarshal(top["rates"], &rates)
	for _, w := range []string{"1m", "5m"} {
		for _, k := range []string{"requests_per_s", "fallbacks_per_s", "errors_per_s", "static_per_s", "fallback_ratio", "error_ratio"} {
			if _, ok := rates[w][k]; !ok {
				t.Errorf("rates[%s] lacks %q", w, k)
			}
		}
	}
	var inc []map[string]any
	_ = json.Unmarshal(top["incidents"], &inc)
	if len(inc) != 1 || inc[0]["kind"] != "store" || inc[0]["at"] == nil || inc[0]["detail"] != "redis down" {
		t.Errorf("incidents = %s", top["incidents"])
	}
}

func TestUserSpendStaysWithinItsByteBoundUnderLongIDs(t *testing.T) {
	const bound = 64 << 10
	m, _ := newTest(t, WithMaxUsers(1_000_000), WithMaxUserBytes(bound))
	for i := range 5000 {
		id := fmt.Sprintf("%0256d", i) // 256 bytes, the longest the gateway accepts
		m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: id, Usage: catalog.Usage{InputTokens: 1}})
		if b := m.users.bytes; b > bound {
			t.Fatalf("after %d users their ids are counted as %d bytes, bound %d", i+1, b, bound)
		}
	}
	sp := m.Status().Spend
	if per := int64(256 + userOverhead); sp.UsersTracked > bound/int(per) || sp.UsersTracked+int(sp.UsersDropped) != 5000 {
		t.Fatalf("%d users tracked, %d dropped; want at most %d tracked, 5000 in all", sp.UsersTracked, sp.UsersDropped, bound/per)
	}
}

func TestIdleUsersAreForgotten(t *testing.T) {
	m, fc := newTest(t, WithUserIdle(time.Hour))
	for i := range 100 {
		m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: fmt.Sprint("early", i)})
	}
	fc.Advance(30 * time.Minute)
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: "later"})
	fc.Advance(30 * time.Minute)
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: "last"})
	sp := m.Status().Spend
	if sp.UsersTracked != 2 || sp.UsersDropped != 100 {
		t.Fatalf("%d users tracked, %d dropped; want later and last kept, the 100 idle ones dropped", sp.UsersTracked, sp.UsersDropped)
	}
}

func TestUsersAreBoundedAndKeepTheTopSpenders(t *testing.T) {
	prices := catalog.Prices{"m": {Input: 1}}
	m, _ := newTest(t, WithPrices(prices), WithMaxUsers(100), WithTopUsers(3))
	for i := range 5 { // big spenders first
		m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: fmt.Sprint("big", i),
			Usage: catalog.Usage{InputTokens: int64(1_000_000 * (i + 1))}})
	}
	for i := range 1000 { // then a flood of one-shot users
		m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "m", User: fmt.Sprint("small", i),
			Usage: catalog.Usage{InputTokens: 1}})
	}
	sp := m.Status().Spend
	if sp.UsersTracked > 100 {
		t.Errorf("%d users tracked, want at most 100", sp.UsersTracked)
	}
	if sp.UsersDropped == 0 {
		t.Error("no user dropped")
	}
	want := []string{"big4", "big3", "big2"}
	if len(sp.Users) != 3 {
		t.Fatalf("users = %+v, want 3", sp.Users)
	}
	for i, u := range sp.Users {
		if u.User != want[i] {
			t.Errorf("user %d = %s, want %s", i, u.User, want[i])
		}
	}
}
