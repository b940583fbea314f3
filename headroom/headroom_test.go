package headroom_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/headroom"
)

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseReadsEveryBucket(t *testing.T) {
	reset := t0.Add(30 * time.Second).Format(time.RFC3339)
	h := header("anthropic-ratelimit-requests-limit", "50", "anthropic-ratelimit-requests-remaining", "49",
		"anthropic-ratelimit-requests-reset", reset,
		"anthropic-ratelimit-input-tokens-limit", "20000", "anthropic-ratelimit-input-tokens-remaining", "25000",
		"anthropic-ratelimit-output-tokens-limit", "x", "anthropic-ratelimit-output-tokens-remaining", "1")
	l, ok := headroom.Parse(h, t0)
	if !ok {
		t.Fatal("no limits read")
	}
	if want := (headroom.Bucket{Limit: 50, Remaining: 49, Reset: t0.Add(30 * time.Second), Known: true}); l.Requests != want {
		t.Errorf("requests %+v, want %+v", l.Requests, want)
	}
	if l.InputTokens.Remaining != 20000 {
		t.Errorf("remaining above the limit is taken as the limit: %+v", l.InputTokens)
	}
	if l.OutputTokens.Known || l.Tokens.Known {
		t.Errorf("a malformed or missing bucket read as known: %+v %+v", l.OutputTokens, l.Tokens)
	}
	if _, ok := headroom.Parse(http.Header{}, t0); ok {
		t.Error("an answer without the headers gave limits")
	}
}

func bucket(limit, remaining int64, reset time.Duration) headroom.Bucket {
	return headroom.Bucket{Limit: limit, Remaining: remaining, Reset: t0.Add(reset), Known: true}
}

func TestRoomIsTheTightestBucketAfterTheRequest(t *testing.T) {
	need := headroom.Need{Input: 1000, Output: 1000}
	tests := []struct {
		name string
		l    headroom.Limits
		at   time.Duration
		want float64
	}{
		{"nothing known", headroom.Limits{}, 0, 1},
		{"requests tightest", headroom.Limits{Requests: bucket(10, 2, time.Minute), InputTokens: bucket(10000, 9000, time.Minute)}, 0, 0.1},
		{"input tokens tightest", headroom.Limits{Requests: bucket(10, 9, time.Minute), InputTokens: bucket(10000, 3000, time.Minute)}, 0, 0.2},
		{"does not fit", headroom.Limits{OutputTokens: bucket(8000, 500, time.Minute)}, 0, -0.0625},
		{"does not fit, but its reset passed", headroom.Limits{OutputTokens: bucket(8000, 500, time.Minute)}, time.Minute, 0.875},
		{"tokens counts input and output", headroom.Limits{Tokens: bucket(10000, 4000, time.Minute)}, 0, 0.2},
	}
	for _, tt := range tests {
		got := headroom.Room(tt.l, need, t0.Add(tt.at))
		if got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("%s: Room = %v, want %v", tt.name, got, tt.want)
		}
		if fits := headroom.Fits(tt.l, need, t0.Add(tt.at)); fits != (tt.want >= 0) {
			t.Errorf("%s: Fits = %v", tt.name, fits)
		}
	}
}

func TestOrderTriesTheMostRoomFirstAndSkipsWhatCannotHold(t *testing.T) {
	limits := []headroom.Limits{
		{Requests: bucket(100, 10, time.Minute)}, // 0.09
		{Requests: bucket(100, 0, time.Minute)},  // cannot hold
		{},                                       // unknown: 1
		{Requests: bucket(100, 50, time.Minute)}, // 0.49
		{Requests: bucket(100, 10, time.Minute)}, // 0.09, after the first
	}
	try, skip := headroom.Order(limits, headroom.Need{Input: 1}, t0)
	if !reflect.DeepEqual(try, []int{2, 3, 0, 4}) || !reflect.DeepEqual(skip, []int{1}) {
		t.Errorf("Order = %v, %v", try, skip)
	}
}

func TestBookKeepsTheLatestLimitsAndLearnsBytesPerToken(t *testing.T) {
	var b headroom.Book
	b.Observe("m", headroom.Limits{Requests: bucket(10, 5, 0), Seen: t0.Add(time.Second)})
	b.Observe("m", headroom.Limits{Requests: bucket(10, 9, 0), Seen: t0}) // an older answer, arriving late
	if got := b.Limits("m").Requests.Remaining; got != 5 {
		t.Errorf("remaining %d: a late older answer replaced a newer one", got)
	}
	if got := b.Estimate(3500); got != 1001 {
		t.Errorf("uncalibrated estimate %d, want 1001 (3.5 bytes a token)", got)
	}
	b.Calibrate(2000, 1000) // 2 bytes a token
	if got := b.Estimate(2000); got != 1001 {
		t.Errorf("estimate after one answer %d, want 1001", got)
	}
	b.Calibrate(0, 10)
	b.Calibrate(10, 0)
	if got := b.Estimate(2000); got != 1001 {
		t.Errorf("an answer without bytes or tokens moved the estimate: %d", got)
	}
}
