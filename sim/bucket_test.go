package sim

import (
	"testing"
	"time"
)

func TestBucketArithmeticRefillsContinuouslyAndAllowsOneOversizedCallOnAFullBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	type op struct {
		at     time.Duration
		refund bool
		n      int64
	}
	for _, c := range []struct {
		name      string
		perMinute int64
		ops       []op
		at        time.Duration // when the bucket is read
		cost      int64         // the call whose wait is read
		remaining int64
		reset     time.Duration
		wait      time.Duration
	}{
		{"a fresh bucket is full", 60, nil, 0, 60, 60, 0, 0},
		{"a call above the capacity waits for no more than a full bucket", 60, nil, 0, 1000, 60, 0, 0},
		{"a take leaves the rest and is whole again at its refill time", 60, []op{{0, false, 10}}, 0, 50, 50, 10 * time.Second, 0},
		{"one unit more than remains waits for its refill", 60, []op{{0, false, 10}}, 0, 51, 50, 10 * time.Second, time.Second},
		{"the bucket refills as time passes", 60, []op{{0, false, 10}}, 4 * time.Second, 55, 54, 6 * time.Second, time.Second},
		{"an empty bucket refuses a single unit for its refill time", 60, []op{{0, false, 60}}, 0, 1, 0, time.Minute, time.Second},
		{"an empty bucket holds everything again after a minute", 60, []op{{0, false, 60}}, time.Minute, 60, 60, 0, 0},
		{"an oversized call leaves the bucket in debt", 60, []op{{0, false, 90}}, 0, 1, -30, 90 * time.Second, 31 * time.Second},
		{"takes add up", 60, []op{{0, false, 20}, {5 * time.Second, false, 20}}, 5 * time.Second, 25, 25, 35 * time.Second, 0},
		{"a refund gives units back", 60, []op{{0, false, 60}, {5 * time.Second, true, 40}}, 5 * time.Second, 45, 45, 15 * time.Second, 0},
		{"a refund never fills past the capacity", 60, []op{{0, false, 10}, {0, true, 20}}, 0, 60, 60, 0, 0},
		{"whole units are rounded down", 50, []op{{0, false, 1}}, 600 * time.Millisecond, 50, 49, 600 * time.Millisecond, 600 * time.Millisecond},
		{"large token buckets stay exact", 2_000_000, []op{{0, false, 1_000_000}}, 15 * time.Second, 1_500_000, 1_500_000, 15 * time.Second, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bucket{perMinute: c.perMinute}
			for _, o := range c.ops {
				if o.refund {
					b = b.refund(o.n, t0.Add(o.at))
				} else {
					b = b.take(o.n, t0.Add(o.at))
				}
			}
			now := t0.Add(c.at)
			if got := b.remaining(now); got != c.remaining {
				t.Errorf("remaining %d, want %d", got, c.remaining)
			}
			if got := b.reset(now).Sub(now); got != c.reset {
				t.Errorf("full again in %v, want %v", got, c.reset)
			}
			if got := b.wait(c.cost, now); got != c.wait {
				t.Errorf("wait for %d: %v, want %v", c.cost, got, c.wait)
			}
		})
	}
}

func TestTheMostSpecificLimitApplies(t *testing.T) {
	limits := []Limit{
		{Model: "*", RequestsPerMinute: 1},
		{Model: "claude-haiku-5-5", RequestsPerMinute: 2},
		{Upstream: "anthropic", Model: "*", RequestsPerMinute: 3},
		{Upstream: "anthropic-b", Model: "*", RequestsPerMinute: 4},
		{Upstream: "anthropic-b", Model: "claude-haiku-5-5", RequestsPerMinute: 5},
		{Upstream: "*", Model: "claude-haiku-5-5", RequestsPerMinute: 6}, // as specific as the second: the first wins
	}
	for _, c := range []struct {
		name, kind, model string
		want              int64 // RequestsPerMinute of the limit chosen; 0: none
	}{
		{"bedrock", KindBedrock, "claude-sonnet-5-5", 1},
		{"bedrock", KindBedrock, "claude-haiku-5-5", 2},
		{"anthropic-c", KindAnthropic, "claude-sonnet-5-5", 3}, // the kind
		{"anthropic-c", KindAnthropic, "claude-haiku-5-5", 3},  // the upstream before the model
		{"anthropic-b", KindAnthropic, "claude-sonnet-5-5", 4}, // the name before the kind
		{"anthropic-b", KindAnthropic, "claude-haiku-5-5", 5},
	} {
		got, ok := limitFor(limits, upstream{name: c.name, kind: c.kind}, c.model)
		if !ok || got.RequestsPerMinute != c.want {
			t.Errorf("%s (%s) %s: %+v %v, want the limit of %d", c.name, c.kind, c.model, got, ok, c.want)
		}
	}
	if l, ok := limitFor(limits[3:5], upstream{name: "vertex", kind: KindVertex}, "m"); ok {
		t.Errorf("a request no limit names got %+v", l)
	}
}

func TestParseLimitsIsStrict(t *testing.T) {
	good := `{"limits":[{"upstream":"anthropic-b","model":"*","requests_per_minute":50,"input_tokens_per_minute":20000,"output_tokens_per_minute":8000}]}`
	limits, err := ParseLimits([]byte(good))
	if err != nil || len(limits) != 1 || limits[0] != (Limit{Upstream: "anthropic-b", Model: "*", RequestsPerMinute: 50, InputTokensPerMinute: 20000, OutputTokensPerMinute: 8000}) {
		t.Fatalf("%+v %v", limits, err)
	}
	if l, err := ParseLimits([]byte(`{"limits":[]}`)); err != nil || l == nil || len(l) != 0 {
		t.Errorf("no limits: %+v %v", l, err)
	}
	for _, bad := range []string{
		`{"limits":[{"model":"*","rpm":5}]}`,
		`{"limits":[{"requests_per_minute":5}]}`,
		`{"limits":[{"model":"*","output_tokens_per_minute":-1}]}`,
		`{"limits":{}}`,
		`{"limits":[]} {}`,
		`not json`,
	} {
		if _, err := ParseLimits([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
