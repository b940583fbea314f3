package demo

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// series is one line of the report's chart: a share of requests by bucket.
type series struct {
	name, color string
	dash        bool
	of          func(Counts) int
}

var chartSeries = []series{
	{"answered", "#1a7f37", false, func(c Counts) int { return c.Answered }},
	{"answered by the fallback", "#0969da", true, func(c Counts) int { return c.Fallbacks }},
	{"degraded (friendly message)", "#bf8700", false, func(c Counts) int { return c.Degraded }},
	{"failed (error shown)", "#cf222e", false, func(c Counts) int { return c.Failed }},
	{"blank (no reply)", "#24292f", true, func(c Counts) int { return c.Blank }},
}

var stateColors = map[string]string{"open": "#cf222e", "half_open": "#d4a72c", "closed": "#2da44e"}

// chart geometry, in SVG user units.
const (
	chartW     = 1000
	chartLeft  = 70
	chartRight = 16
	labelH     = 46
	panelH     = 170
	panelGap   = 40
	laneH      = 16
	axisH      = 30
)

// buckets returns the chart's number of time buckets: one a second, within 6..90.
func bucketCount(d time.Duration) int {
	return min(max(int((d+time.Second/2)/time.Second), 6), 90)
}

// Chart returns the report's SVG: for each side, the share of requests
// answered, answered by the fallback, degraded, failed and blank over the
// time they were sent; the phases as named shaded bands; and a lane per
// model with bulwark's breaker states.
func Chart(r *Result) string {
	total := r.Duration
	if total <= 0 {
		total = time.Second
	}
	c := &chart{r: r, total: total, models: breakerModels(r.Breaker)}
	c.lanesTop = labelH + 2*panelH + panelGap + 18
	lanesH := 0
	if len(c.models) > 0 {
		lanesH = 20 + len(c.models)*laneH
	}
	c.bottom = c.lanesTop + lanesH
	height := c.bottom + axisH

	b := &c.b
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="What users saw over time, plain SDK and bulwark" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">`, chartW, height)
	b.WriteString("\n")
	c.phaseBands()
	for si, side := range []Side{r.Plain, r.Bulwark} {
		c.panel(labelH+si*(panelH+panelGap), side)
	}
	c.breakerLanes()
	c.timeAxis()
	b.WriteString("</svg>")
	return b.String()
}

// chart is one [Chart] being drawn.
type chart struct {
	b      strings.Builder
	r      *Result
	total  time.Duration // the time axis's length, > 0
	models []string      // the breaker lanes' models
	// lanesTop and bottom are the y of the breaker lanes' top and of the
	// time axis.
	lanesTop, bottom int
}

// x is the horizontal position of the time d.
func (c *chart) x(d time.Duration) float64 {
	plotW := float64(chartW - chartLeft - chartRight)
	return chartLeft + plotW*float64(d)/float64(c.total)
}

// phaseBands draws the phases as shaded bands with their names.
func (c *chart) phaseBands() {
	for i, p := range c.r.Phases {
		fill := "#f6f8fa"
		if i%2 == 1 {
			fill = "#eaeef2"
		}
		x0, x1 := c.x(p.Start), c.x(min(p.End, c.total))
		fmt.Fprintf(&c.b, `<rect class="phase" x="%.1f" y="0" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
			x0, x1-x0, c.bottom, fill, esc(p.Name+" ("+span(p)+"): "+p.About))
		fmt.Fprintf(&c.b, `<text x="%.1f" y="17" text-anchor="middle" font-weight="600" fill="#24292f">%s</text>`+"\n", (x0+x1)/2, esc(fitLabel(p.Name, x1-x0)))
	}
}

// panel draws one side's panel at y top: its grid, its name and a line per
// series that is not 0 all along.
func (c *chart) panel(top int, side Side) {
	y := func(share float64) float64 { return float64(top) + float64(panelH)*(1-share) }
	for _, g := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&c.b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d0d7de" stroke-width="1"/>`, chartLeft, chartW-chartRight, y(g), y(g))
		fmt.Fprintf(&c.b, `<text x="%d" y="%.1f" text-anchor="end" fill="#57606a" font-size="11">%.0f%%</text>`+"\n", chartLeft-6, y(g)+4, 100*g)
	}
	fmt.Fprintf(&c.b, `<text x="%d" y="%d" font-weight="700" font-size="13" fill="#24292f">%s</text>`+"\n", chartLeft, top-10, esc(side.Name))
	n := bucketCount(c.total)
	bk := Buckets(side.Requests, c.total, n)
	for _, s := range chartSeries {
		c.series(side.Name, s, bk, y)
	}
}

// series draws series s of the side named side over its buckets bk, a dot
// per bucket with requests; nothing if s is 0 all along.
func (c *chart) series(side string, s series, bk []Counts, y func(share float64) float64) {
	total, n := c.total, len(bk)
	var path strings.Builder
	var dots strings.Builder
	any, pen := false, false
	for i, ct := range bk {
		if ct.Total == 0 {
			pen = false
			continue
		}
		v := s.of(ct)
		if v > 0 {
			any = true
		}
		from := total * time.Duration(i) / time.Duration(n)
		to := total * time.Duration(i+1) / time.Duration(n)
		px, py := c.x((from+to)/2), y(ct.Share(v))
		if pen {
			fmt.Fprintf(&path, " L%.1f %.1f", px, py)
		} else {
			fmt.Fprintf(&path, " M%.1f %.1f", px, py)
		}
		pen = true
		fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s–%ss: %s %d of %d</title></circle>`,
			px, py, s.color, secs(from), secs(to), esc(s.name), v, ct.Total)
	}
	if !any {
		return // a line flat at 0 all along says nothing
	}
	dash := ""
	if s.dash {
		dash = ` stroke-dasharray="5 3"`
	}
	width := 2.2
	if s.name == "answered" {
		width = 3.5 // under the fallback line where they coincide
	}
	fmt.Fprintf(&c.b, `<path class="series" data-side="%s" data-series="%s" d="%s" fill="none" stroke="%s" stroke-width="%.1f"%s stroke-linejoin="round"/>`+"\n",
		esc(side), esc(s.name), strings.TrimSpace(path.String()), s.color, width, dash)
	c.b.WriteString(dots.String() + "\n")
}

// breakerLanes draws a lane per model with bulwark's breaker states.
func (c *chart) breakerLanes() {
	if len(c.models) == 0 {
		return
	}
	fmt.Fprintf(&c.b, `<text x="%d" y="%d" font-weight="700" font-size="13" fill="#24292f">bulwark's breakers</text>`+"\n", chartLeft, c.lanesTop+12)
	for mi, m := range c.models {
		ly := c.lanesTop + 20 + mi*laneH
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" text-anchor="end" fill="#57606a" font-size="10">%s</text>`, chartLeft-6, ly+10, esc(shortModel(m)))
		for _, seg := range breakerSegments(c.r.Breaker, m, c.total) {
			x0, x1 := c.x(seg.from), c.x(seg.to)
			fmt.Fprintf(&c.b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s %s–%ss</title></rect>`,
				x0, ly, max(x1-x0, 0.8), laneH-4, stateColors[seg.state], esc(m), seg.state, secs(seg.from), secs(seg.to))
		}
		c.b.WriteString("\n")
	}
}

// timeAxis draws the time axis with a tick every axisStep.
func (c *chart) timeAxis() {
	step := axisStep(c.total)
	for t := time.Duration(0); t <= c.total; t += step {
		fmt.Fprintf(&c.b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#8c959f"/>`, c.x(t), c.x(t), c.bottom, c.bottom+5)
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#57606a" font-size="11">%gs</text>`, c.x(t), c.bottom+18, t.Seconds())
	}
	fmt.Fprintf(&c.b, "\n"+`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#8c959f"/>`+"\n", chartLeft, chartW-chartRight, c.bottom, c.bottom)
}

// segment is one stretch of one breaker state.
type segment struct {
	from, to time.Duration
	state    string
}

// breakerSegments returns the stretches of model's breaker that were not
// closed (and the closed stretches between them), from its changes, up to end.
func breakerSegments(changes []BreakerChange, model string, end time.Duration) []segment {
	var out []segment
	state, since := "closed", time.Duration(0)
	for _, c := range changes {
		if c.Model != model {
			continue
		}
		if c.At > since && state != "closed" {
			out = append(out, segment{since, min(c.At, end), state})
		}
		state, since = c.To, c.At
	}
	if state != "closed" && since < end {
		out = append(out, segment{since, end, state})
	}
	return out
}

// breakerModels returns the models whose breaker changed, sorted.
func breakerModels(changes []BreakerChange) []string {
	var out []string
	for _, c := range changes {
		if !slices.Contains(out, c.Model) {
			out = append(out, c.Model)
		}
	}
	slices.Sort(out)
	return out
}

// axisStep picks a tick spacing that gives about 5 to 15 ticks.
func axisStep(total time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute} {
		if total/s <= 15 {
			return s
		}
	}
	return 5 * time.Minute
}

// fitLabel shortens a phase name that would not fit in width units.
func fitLabel(name string, width float64) string {
	fits := int(width / 7)
	if r := []rune(name); len(r) > fits {
		if fits <= 1 {
			return ""
		}
		return string(r[:fits-1]) + "…"
	}
	return name
}

// shortModel drops the "claude-" prefix for the lane labels.
func shortModel(m string) string { return strings.TrimPrefix(m, "claude-") }

func esc(s string) string { return template.HTMLEscapeString(s) }

type reportPage struct {
	Title, Lede, Headline string
	Chart                 template.HTML
	Legend                []legendItem
	Summary, PhaseTable   [][]string
	Breaker               [][]string
	Phases                []Phase
	Note                  string
}

type legendItem struct {
	Name, Color string
	Dash        bool
}

// WriteReport writes the self-contained HTML report: no external assets,
// the chart as inline SVG, then the tables of the text summary.
func WriteReport(w io.Writer, r *Result) error {
	page := reportPage{
		Title: "bulwark demo: a bad hour of the Anthropic API",
		Lede: fmt.Sprintf("%s of traffic at %s requests/s (%d requests per side, seed %d), sent at once to two simulators playing the same incident: "+
			"one behind the official Go SDK with its defaults, one behind bulwark.", r.Duration, trimFloat(r.RPS), len(r.Plain.Requests), r.Seed),
		Headline:   Headline(r),
		Chart:      template.HTML(Chart(r)),
		Summary:    SummaryRows(r),
		PhaseTable: PhaseRows(r),
		Breaker:    BreakerRows(r.Breaker, len(r.Breaker)),
		Phases:     r.Phases,
		Note: "A user gives up after " + r.GiveUp.String() + " without a reply; requests still waiting when the run ends count as blank too. " +
			"p50/p99 are the time to a reply of any kind; \"never\" when it falls on a blank. Spend is priced per model; a model without a known price shows its tokens, not $0.",
	}
	if r.Interrupted {
		page.Lede += " The run was interrupted: the results are partial."
	}
	for _, s := range chartSeries {
		page.Legend = append(page.Legend, legendItem{s.name, s.color, s.dash})
	}
	return reportTemplate.Execute(w, page)
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"span": span,
	"css":  func(s string) template.CSS { return template.CSS(s) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #24292f; margin: 0; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 10px; }
p { line-height: 1.5; margin: 6px 0; }
.lede { color: #57606a; }
.headline { font-weight: 600; background: #f6f8fa; border-left: 4px solid #1a7f37; padding: 8px 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 14px 0 4px; font-size: 13px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 22px; height: 0; border-top: 3px solid; }
.legend i.dash { border-top-style: dashed; }
.legend b { display: inline-block; width: 12px; height: 10px; }
figure { margin: 0; }
figcaption { color: #57606a; font-size: 13px; }
table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d0d7de; padding: 5px 12px 5px 0; text-align: left; vertical-align: top; white-space: pre; }
th { border-bottom: 2px solid #8c959f; }
.note { color: #57606a; font-size: 13px; }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p class="lede">{{.Lede}}</p>
{{with .Headline}}<p class="headline">{{.}}</p>{{end}}
<div class="legend">
{{range .Legend}}<span><i{{if .Dash}} class="dash"{{end}} style="border-color: {{css .Color}}"></i>{{.Name}}</span>
{{end}}<span><b style="background: #cf222e"></b>breaker open</span><span><b style="background: #d4a72c"></b>half-open</span>
</div>
<figure>
{{.Chart}}
<figcaption>Each point: the requests sent in that second, by what their users saw. Shaded bands: the phases of the incident. Hover a point for its counts.</figcaption>
</figure>

<h2>Side by side</h2>
<table>
{{range $i, $row := .Summary}}<tr>{{range $row}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>
{{end}}</table>
<p class="note">{{.Note}}</p>

<h2>Per phase</h2>
<p class="note">What users saw, as a share of the requests sent in each phase.</p>
<table>
{{range $i, $row := .PhaseTable}}<tr>{{range $row}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>
{{end}}</table>

<h2>The incident</h2>
<table>
<tr><th>window</th><th>phase</th><th>what the API does</th></tr>
{{range .Phases}}<tr><td>{{span .}}</td><td>{{.Name}}</td><td>{{.About}}</td></tr>
{{end}}</table>

<h2>bulwark's breakers</h2>
{{if gt (len .Breaker) 1}}<table>
{{range $i, $row := .Breaker}}<tr>{{range $row}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>
{{end}}</table>{{else}}<p>No state change.</p>{{end}}
</main>
</body>
</html>
`))
