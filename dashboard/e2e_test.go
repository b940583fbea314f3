package dashboard

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/browsertest"
)

// e2eScript drives the page in Chromium: it waits for the first render,
// flips the primary's breaker to open on the fake status, waits for the page
// to show it, and reports what it saw in out (see
// [browsertest.Env.RunInBrowser]).
const e2eScript = `
    const [url, outDir] = args;
    Object.assign(out, { console: [], external: [] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') out.console.push(m.text()); });
    page.on('pageerror', e => out.console.push('pageerror: ' + e.message));
    page.on('request', r => { if (!r.url().startsWith(url)) out.external.push(r.url()); });
    await page.goto(url + '/');
    const primary = '.breaker[data-model="claude-sonnet-5-5"]';
    await page.waitForSelector(primary + '[data-state="closed"]', { timeout: 10000 });
    out.before = await page.getAttribute(primary, 'data-state');
    out.conn = await page.getAttribute('#conn', 'data-state');
    out.halfOpen = await page.locator('.breaker[data-state="half_open"]').count();
    out.cooldown = await page.locator('.breaker[data-model="claude-haiku-4-5"] .badge.cooldown').count();
    out.chartPaths = await page.locator('#chart path[data-series]').count();
    out.incidentKinds = await page.locator('#incidents tr.incident').evaluateAll(rs => rs.map(r => r.dataset.kind));
    out.unknownSpend = await page.locator('#spend tr.spend-row[data-model="claude-sonnet-5-5"] .unknown').count();
    out.injected = await page.locator('#incidents script').count();
    await page.screenshot({ path: outDir + '/before.png', fullPage: true });

    const res = await fetch(url + '/_test/open', { method: 'POST' });
    if (!res.ok) throw new Error('flip: HTTP ' + res.status);
    await page.waitForSelector(primary + '[data-state="open"]', { timeout: 10000 });
    out.after = await page.getAttribute(primary, 'data-state');
    out.afterBadge = await page.textContent(primary + ' .badge');
    out.afterInfo = await page.textContent(primary + ' .row:last-child');
    await page.screenshot({ path: outDir + '/after.png', fullPage: true });
`

// TestDashboardInChromium loads the page in headless Chromium against a fake
// status, flips a breaker to open and checks the page shows it. Screenshots
// (before.png, after.png) go to the test's temp dir, or to
// $DASHBOARD_SCREENSHOTS when set. Skipped with -short, or when node or
// Chromium ($CHROMIUM, default /usr/bin/chromium) is missing.
func TestDashboardInChromium(t *testing.T) {
	env := browsertest.Need(t)

	srv := httptest.NewServer(testMux(newFakeStatus(time.Now())))
	defer srv.Close()
	outDir := os.Getenv("DASHBOARD_SCREENSHOTS")
	if outDir == "" {
		outDir = t.TempDir()
	}
	var got struct {
		Error         string   `json:"error"`
		Console       []string `json:"console"`
		External      []string `json:"external"`
		Before, After string
		AfterBadge    string `json:"afterBadge"`
		AfterInfo     string `json:"afterInfo"`
		Conn          string
		HalfOpen      int      `json:"halfOpen"`
		Cooldown      int      `json:"cooldown"`
		ChartPaths    int      `json:"chartPaths"`
		IncidentKinds []string `json:"incidentKinds"`
		UnknownSpend  int      `json:"unknownSpend"`
		Injected      int      `json:"injected"`
	}
	env.RunInBrowser(t, e2eScript, &got, srv.URL, outDir)
	t.Logf("screenshots in %s", outDir)
	if got.Error != "" {
		t.Fatalf("in the browser: %s", got.Error)
	}
	if len(got.Console) > 0 {
		t.Errorf("console errors (a CSP violation shows here): %q", got.Console)
	}
	if len(got.External) > 0 {
		t.Errorf("the page requested other hosts: %q", got.External)
	}
	if got.Before != "closed" || got.After != "open" || strings.TrimSpace(got.AfterBadge) != "open" {
		t.Errorf("primary breaker: before %q, after %q (badge %q); want closed then open", got.Before, got.After, got.AfterBadge)
	}
	if !strings.Contains(got.AfterInfo, "probes again in 27s") {
		t.Errorf("open breaker info = %q, want the time until it probes", got.AfterInfo)
	}
	if got.Conn != "live" || got.HalfOpen != 1 || got.Cooldown != 1 || got.ChartPaths != 4 || got.UnknownSpend != 1 {
		t.Errorf("page: conn %q, %d half-open, %d cooldown badges, %d chart lines, %d unknown spend; want live, 1, 1, 4, 1",
			got.Conn, got.HalfOpen, got.Cooldown, got.ChartPaths, got.UnknownSpend)
	}
	for _, kind := range []string{"breaker", "cooldown", "misconfig", "user_cutoff"} {
		if !strings.Contains(strings.Join(got.IncidentKinds, " "), kind) {
			t.Errorf("incidents %v lack a %s", got.IncidentKinds, kind)
		}
	}
	if got.Injected != 0 {
		t.Error("a user id was rendered as HTML")
	}
}
