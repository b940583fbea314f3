package catalog

import (
	"strings"
	"testing"
	"time"
)

func TestLifecycleKnowsTheSDKsDeprecatedModels(t *testing.T) {
	tests := []struct {
		model     string
		ok        bool
		date      string
		successor string
	}{
		{"claude-sonnet-4-5", true, "2026-11-30", "claude-sonnet-5-5"},
		{"claude-sonnet-4-5-20250929", true, "2026-11-30", "claude-sonnet-5-5"},
		{"claude-opus-4-5", true, "2027-01-22", "claude-opus-5-5"},
		{"claude-opus-4-5-20251101", true, "2027-01-22", "claude-opus-5-5"},
		{"claude-mythos-preview", true, "2026-06-30", "claude-mythos-5"},
		// A dated id the table does not list resolves through its alias.
		{"claude-sonnet-4-5-20991231", true, "2026-11-30", "claude-sonnet-5-5"},
		{"claude-sonnet-5-5", false, "", ""},
		{"claude-haiku-4-5", false, "", ""},
		{"no-such-model", false, "", ""},
		{"", false, "", ""},
	}
	for _, tt := range tests {
		r, ok := Lifecycle(tt.model)
		if ok != tt.ok {
			t.Errorf("Lifecycle(%q) ok = %v, want %v", tt.model, ok, tt.ok)
			continue
		}
		if !ok {
			if r != (Retirement{}) {
				t.Errorf("Lifecycle(%q) = %+v, want zero value", tt.model, r)
			}
			continue
		}
		if r.Model != tt.model || r.Date.Format(time.DateOnly) != tt.date || r.Successor != tt.successor {
			t.Errorf("Lifecycle(%q) = {%s %s %s}, want {%s %s %s}", tt.model,
				r.Model, r.Date.Format(time.DateOnly), r.Successor, tt.model, tt.date, tt.successor)
		}
		if r.Date.Location() != time.UTC || r.Date.Hour() != 0 {
			t.Errorf("Lifecycle(%q).Date = %v, want midnight UTC", tt.model, r.Date)
		}
	}
}

func TestWarningsRelativeToNow(t *testing.T) {
	// 2026-11-30 is the day claude-sonnet-4-5 is retired.
	today := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		models    []string
		now       time.Time
		within    time.Duration
		want      []string // "model retired" pairs, in order
		wantInMsg []string
	}{
		{
			name:   "retired as of today",
			models: []string{"claude-sonnet-4-5"},
			now:    today, within: DefaultWarnWithin,
			want:      []string{"claude-sonnet-4-5 retired"},
			wantInMsg: []string{"claude-sonnet-4-5", "reached end-of-life on 2026-11-30", "404", "claude-sonnet-5-5"},
		},
		{
			name:   "retired at the first instant of the day",
			models: []string{"claude-sonnet-4-5"},
			now:    time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), within: DefaultWarnWithin,
			want: []string{"claude-sonnet-4-5 retired"},
		},
		{
			name:   "the day before: near, in 1 day",
			models: []string{"claude-sonnet-4-5-20250929"},
			now:    time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), within: DefaultWarnWithin,
			want:      []string{"claude-sonnet-4-5-20250929 near"},
			wantInMsg: []string{"reaches end-of-life on 2026-11-30 (in 1 day)", "claude-sonnet-5-5"},
		},
		{
			name:   "near: opus 4.5 is 53 days away with a 60-day window",
			models: []string{"claude-opus-4-5"},
			now:    today, within: 60 * 24 * time.Hour,
			want:      []string{"claude-opus-4-5 near"},
			wantInMsg: []string{"in 53 days", "claude-opus-5-5"},
		},
		{
			name:   "exactly at the edge of the window warns",
			models: []string{"claude-opus-4-5"},
			now:    time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC), within: DefaultWarnWithin,
			want: []string{"claude-opus-4-5 near"},
		},
		{
			name:   "far: opus 4.5 is 53 days away with the default 30",
			models: []string{"claude-opus-4-5"},
			now:    today, within: DefaultWarnWithin,
			want: nil,
		},
		{
			name:   "far: a year before",
			models: []string{"claude-sonnet-4-5"},
			now:    time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC), within: DefaultWarnWithin,
			want: nil,
		},
		{
			name:   "mixed chain keeps input order, skips current models, dedupes",
			models: []string{"claude-sonnet-5-5", "claude-mythos-preview", "claude-sonnet-4-5", "claude-mythos-preview", "static"},
			now:    today, within: DefaultWarnWithin,
			want: []string{"claude-mythos-preview retired", "claude-sonnet-4-5 retired"},
		},
		{
			name: "no models", models: nil, now: today, within: DefaultWarnWithin, want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := Warnings(tt.models, tt.now, tt.within)
			var got []string
			for _, w := range ws {
				state := "near"
				if w.Retired {
					state = "retired"
				}
				got = append(got, w.Model+" "+state)
				if w.Successor == "" || w.Date.IsZero() || w.Message == "" {
					t.Errorf("incomplete warning %+v", w)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("Warnings = %v, want %v", got, tt.want)
			}
			if tt.want == nil && ws != nil {
				t.Errorf("Warnings = %#v, want nil", ws)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(ws[0].Message, s) {
					t.Errorf("message %q does not contain %q", ws[0].Message, s)
				}
			}
		})
	}
}
