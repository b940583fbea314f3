package demo

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// element is a parsed HTML element: its name, attributes and text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseHTML parses a report strictly, as XML with HTML's entities (the
// report keeps to the XML-compatible subset of HTML: void elements close
// themselves, tags nest), and returns its elements in document order.
func parseHTML(t *testing.T, doc string) []element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	var out []element
	var open []int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the report does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			for _, i := range open {
				out[i].text += string(tok)
			}
		}
	}
	if len(open) != 0 {
		t.Fatalf("%d elements left open", len(open))
	}
	return out
}

func TestReportIsOneSelfContainedPageWithAChart(t *testing.T) {
	var b strings.Builder
	if err := WriteReport(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	if !strings.HasPrefix(doc, "<!doctype html>") {
		t.Error("no doctype")
	}
	for _, bad := range []string{"<script", "<link", "src=", "href=", "url(", "@import"} {
		if strings.Contains(doc, bad) {
			t.Errorf("the report loads something (%q)", bad)
		}
	}
	if strings.Contains(doc, "<down>") {
		t.Error("a phase description was not escaped")
	}
	els := parseHTML(t, doc)
	count := map[string]int{}
	sides := map[string]bool{}
	var phaseTitles, tableText string
	for _, e := range els {
		count[e.name]++
		if e.name == "path" && e.attrs["class"] == "series" {
			sides[e.attrs["data-side"]] = true
		}
		if e.name == "rect" && e.attrs["class"] == "phase" {
			phaseTitles += e.text + "\n"
		}
		if e.name == "td" {
			tableText += e.text + "\n"
		}
	}
	if count["svg"] != 1 {
		t.Fatalf("%d svg elements, want 1", count["svg"])
	}
	if !sides["plain SDK"] || !sides["bulwark"] {
		t.Errorf("series drawn for %v, want both sides", sides)
	}
	for _, p := range fixture().Phases {
		if !strings.Contains(phaseTitles, p.Name+" ("+span(p)+")") {
			t.Errorf("no shaded band for phase %q in %q", p.Name, phaseTitles)
		}
	}
	for _, want := range []string{"never", "unknown (100 in / 300 out tokens)", "closed → open", "Sonnet <down> & out"} {
		if !strings.Contains(tableText, want) {
			t.Errorf("the tables lack %q", want)
		}
	}
}

func TestChartLeavesOutLinesThatStayAtZero(t *testing.T) {
	svg := Chart(fixture())
	// Plain SDK never shows a degraded message; bulwark never fails.
	if strings.Contains(svg, `data-side="plain SDK" data-series="degraded (friendly message)"`) ||
		strings.Contains(svg, `data-side="bulwark" data-series="failed (error shown)"`) {
		t.Error("a line flat at zero was drawn")
	}
	if !strings.Contains(svg, `data-side="plain SDK" data-series="blank (no reply)"`) {
		t.Error("the plain side's blanks were not drawn")
	}
}

func TestBreakerSegments(t *testing.T) {
	changes := []BreakerChange{
		{At: time.Second, Model: "a", From: "closed", To: "open"},
		{At: 2 * time.Second, Model: "b", From: "closed", To: "open"},
		{At: 3 * time.Second, Model: "a", From: "open", To: "half_open"},
		{At: 3500 * time.Millisecond, Model: "a", From: "half_open", To: "closed"},
	}
	got := breakerSegments(changes, "a", 10*time.Second)
	want := []segment{{time.Second, 3 * time.Second, "open"}, {3 * time.Second, 3500 * time.Millisecond, "half_open"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("a: %+v, want %+v", got, want)
	}
	if got := breakerSegments(changes, "b", 10*time.Second); len(got) != 1 || got[0] != (segment{2 * time.Second, 10 * time.Second, "open"}) {
		t.Errorf("b, open till the end: %+v", got)
	}
	if m := breakerModels(changes); strings.Join(m, ",") != "a,b" {
		t.Errorf("models %v", m)
	}
}

func TestChartHelpers(t *testing.T) {
	for d, want := range map[time.Duration]int{time.Second: 6, 15 * time.Second: 15, 45 * time.Second: 45, time.Hour: 90} {
		if got := bucketCount(d); got != want {
			t.Errorf("bucketCount(%s) = %d, want %d", d, got, want)
		}
	}
	for d, want := range map[time.Duration]time.Duration{3 * time.Second: time.Second, 15 * time.Second: time.Second, 45 * time.Second: 5 * time.Second, 10 * time.Minute: time.Minute} {
		if got := axisStep(d); got != want {
			t.Errorf("axisStep(%s) = %s, want %s", d, got, want)
		}
	}
	if got := fitLabel("overloaded", 35); got != "over…" {
		t.Errorf("fitLabel = %q", got)
	}
	if got := fitLabel("hung", 7); got != "" {
		t.Errorf("fitLabel in no room = %q", got)
	}
}
