package demo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSummaryTableSideBySide(t *testing.T) {
	rows := SummaryRows(fixture())
	want := map[string][2]string{
		"answered (a model's answer)":   {"    8   66.7%", "   11   91.7%"},
		"  of which by the fallback":    {"    –", "    3   25.0%"},
		"degraded (a friendly message)": {"    –", "    1    8.3%"},
		"failed (an error shown)":       {"    2   16.7%", "    0    0.0%"},
		"blank (no reply)":              {"    2   16.7%", "    0    0.0%"},
		"p50 time to a reply":           {"0.40s", "0.40s"},
		"p99 time to a reply":           {"never", "0.60s"},
		"upstream calls per request":    {"1.67", "1.08"},
		"spend":                         {"unknown (tokens below)", "$0.0005 + unknown (see below)"},
		"  claude-sonnet-5-5":           {"unknown (100 in / 300 out tokens)", "unknown (80 in / 240 out tokens)"},
		"  claude-haiku-4-5":            {"–", "$0.0005 (30 in / 90 out tokens)"},
	}
	if rows[0][1] != "plain SDK" || rows[0][2] != "bulwark" {
		t.Fatalf("header = %q", rows[0])
	}
	seen := 0
	for _, r := range rows[1:] {
		w, ok := want[r[0]]
		if !ok {
			t.Errorf("unexpected row %q", r)
			continue
		}
		seen++
		if r[1] != w[0] || r[2] != w[1] {
			t.Errorf("row %q = %q | %q, want %q | %q", r[0], r[1], r[2], w[0], w[1])
		}
	}
	if seen != len(want) {
		t.Errorf("%d rows, want %d", seen, len(want))
	}
}

func TestPhaseRowsGiveSharesPerPhase(t *testing.T) {
	rows := PhaseRows(fixture())
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	got := strings.Join(rows[2], "|")
	want := "outage|1.0–2.0s|4|0%|50%|50%|75%|75%|25%|0%"
	if got != want {
		t.Errorf("outage row = %q, want %q", got, want)
	}
}

func TestBreakerRowsAreLimited(t *testing.T) {
	changes := fixture().Breaker
	rows := BreakerRows(changes, 2)
	if len(rows) != 4 || rows[1][2] != "closed → open" || rows[1][0] != "1.1s" || rows[3][1] != "1 more" {
		t.Fatalf("rows = %q", rows)
	}
	if rows := BreakerRows(changes, 10); len(rows) != 4 {
		t.Fatalf("rows = %q", rows)
	}
}

func TestHeadlineSumsUpTheOutagePhases(t *testing.T) {
	got := Headline(fixture())
	for _, want := range []string{"(outage to outage)", "with bulwark 75% of users got an answer, 25% a friendly message, 0% nothing",
		"with the plain SDK 0% got an answer, 50% an error, 50% nothing"} {
		if !strings.Contains(got, want) {
			t.Errorf("headline %q lacks %q", got, want)
		}
	}
	if Headline(&Result{Phases: fixture().Phases[:2]}) != "" {
		t.Error("a headline without outage phases")
	}
}

func TestWriteSummaryIsAlignedText(t *testing.T) {
	var b strings.Builder
	if err := WriteSummary(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Results: 3s of traffic at 4 requests/s, 12 requests per side, seed 7",
		"blank (no reply)", "Per phase", "bulwark's breakers", "claude-sonnet-5-5  half_open → closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Columns line up: in the main table, every row's second column starts
	// where the header's does.
	lines := strings.Split(out, "\n")
	var col int
	for i, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %d has trailing spaces: %q", i, l)
		}
		if strings.Contains(l, "plain SDK") && strings.Contains(l, "bulwark") && col == 0 {
			col = utf8.RuneCountInString(l[:strings.Index(l, "plain SDK")])
			for _, row := range lines[i+2 : i+7] {
				if r := []rune(row); len(r) <= col || r[col-1] != ' ' || r[col-2] != ' ' {
					t.Errorf("row not aligned at column %d: %q", col, row)
				}
			}
		}
	}
	if col == 0 {
		t.Fatal("no header line")
	}
}

func TestWriteSummarySaysWhenThereWasNoBreakerChange(t *testing.T) {
	r := fixture()
	r.Breaker, r.Interrupted = nil, true
	var b strings.Builder
	_ = WriteSummary(&b, r)
	if !strings.Contains(b.String(), "no state change") || !strings.Contains(b.String(), "(interrupted)") {
		t.Errorf("summary:\n%s", b.String())
	}
}
