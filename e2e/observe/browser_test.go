//go:build linux || darwin

package observe_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/browsertest"
)

// browserScript opens the dashboard of a real gateway in Chromium, waits for
// the primary's breaker to show closed, makes the simulator fail the primary
// (529 on every request) and sends requests through the gateway, then waits
// for the page to show the breaker open and the incident. It saves
// before.png and outage.png in outDir (see [browsertest.Env.RunInBrowser]
// for browser, args and out).
const browserScript = `
    const [gw, sim, outDir] = args;
    Object.assign(out, { console: [], external: [], answers: [] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') out.console.push(m.text()); });
    page.on('pageerror', e => out.console.push('pageerror: ' + e.message));
    page.on('request', r => { if (!r.url().startsWith(gw)) out.external.push(r.url()); });
    await page.goto(gw + '/');
    const primary = '.breaker[data-model="claude-sonnet-5-5"]';
    await page.waitForSelector(primary + '[data-state="closed"]', { timeout: 10000 });
    out.before = await page.getAttribute(primary, 'data-state');
    await page.screenshot({ path: outDir + '/before.png', fullPage: true });

    const put = await fetch(sim + '/_sim/faults', { method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ model: 'claude-sonnet-5-5', status: 529 }] }) });
    if (!put.ok) throw new Error('PUT /_sim/faults: HTTP ' + put.status);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(gw + '/v1/messages', { method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 64, metadata: { user_id: 'obs-dash-user' },
          messages: [{ role: 'user', content: 'Is the primary up?' }] }) });
      await res.text();
      out.answers.push({ status: res.status, model: res.headers.get('bulwark-model-used'), fallback: res.headers.get('bulwark-fallback') });
    }

    await page.waitForSelector(primary + '[data-state="open"]', { timeout: 10000 });
    const incident = '#incidents tr.incident[data-kind="breaker"][data-model="claude-sonnet-5-5"]';
    await page.waitForSelector(incident, { timeout: 10000 });
    out.after = await page.getAttribute(primary, 'data-state');
    out.badge = (await page.textContent(primary + ' .badge')).trim();
    out.info = (await page.textContent(primary + ' .row:last-child')).trim();
    out.incident = (await page.textContent(incident)).trim();
    out.incidentVisible = await page.isVisible(incident);
    out.fallbackRate = (await page.textContent('#rate-fallbacks .value')).trim();
    out.spendRows = await page.locator('#spend tr.spend-row').evaluateAll(rs => rs.map(r => r.dataset.model));
    out.users = (await page.textContent('#users')).trim();
    out.store = (await page.textContent('#store')).trim();
    out.conn = await page.getAttribute('#conn', 'data-state');
    await page.screenshot({ path: outDir + '/outage.png', fullPage: true });
`

// TestDashboardShowsOutage opens the dashboard of a real `bulwark serve` in
// headless Chromium while the simulator fails the primary model, and checks
// that the page shows its breaker opening and the incident. The screenshots
// (before.png, outage.png) go to $BULWARK_E2E_SCREENSHOTS, or the test's
// temp directory; their path is logged.
func TestDashboardShowsOutage(t *testing.T) {
	env := browsertest.Need(t)

	simP, gw := startPair(t)
	// Healthy traffic first, so that the page has the primary's breaker
	// (closed), spend and a user to show.
	for i := range 2 {
		if a := send(t, gw, primary, "obs-dash-user", i == 1); a.status != http.StatusOK || a.fallback {
			t.Fatalf("healthy request: %v", a)
		}
	}

	outDir := os.Getenv("BULWARK_E2E_SCREENSHOTS")
	if outDir == "" {
		outDir = t.TempDir()
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Error    string   `json:"error"`
		Console  []string `json:"console"`
		External []string `json:"external"`
		Answers  []struct {
			Status   int    `json:"status"`
			Model    string `json:"model"`
			Fallback string `json:"fallback"`
		} `json:"answers"`
		Before, After   string
		Badge, Info     string
		Incident        string
		IncidentVisible bool     `json:"incidentVisible"`
		FallbackRate    string   `json:"fallbackRate"`
		SpendRows       []string `json:"spendRows"`
		Users, Store    string
		Conn            string
	}
	env.RunInBrowser(t, browserScript, &got, gw.URL, simP.URL, outDir)
	t.Logf("screenshots: %s and %s", filepath.Join(outDir, "before.png"), filepath.Join(outDir, "outage.png"))
	if got.Error != "" {
		t.Fatalf("in the browser: %s", got.Error)
	}
	t.Logf("page: breaker %s -> %s (%q, %q); incident %q; fallback rate %s; spend rows %v; store %q",
		got.Before, got.After, got.Badge, got.Info, got.Incident, got.FallbackRate, got.SpendRows, got.Store)

	for _, a := range got.Answers {
		if a.Status != http.StatusOK || a.Model != fallback || a.Fallback != "true" {
			t.Errorf("during the outage the gateway answered %+v, want 200 from %s with bulwark-fallback: true", a, fallback)
		}
	}
	if len(got.Console) > 0 {
		t.Errorf("console errors: %q", got.Console)
	}
	if len(got.External) > 0 {
		t.Errorf("the page requested other hosts: %q", got.External)
	}
	if got.Before != "closed" || got.After != "open" || got.Badge != "open" || !strings.Contains(got.Info, "probes again in") {
		t.Errorf("primary breaker on the page: %q then %q (badge %q, %q); want closed then open with the time until it probes",
			got.Before, got.After, got.Badge, got.Info)
	}
	if !got.IncidentVisible || !strings.Contains(got.Incident, "closed → open") || !strings.Contains(got.Incident, primary) {
		t.Errorf("incident row %q (visible %v), want the primary's breaker going closed → open", got.Incident, got.IncidentVisible)
	}
	if got.FallbackRate == "0%" || got.FallbackRate == "–" {
		t.Errorf("fallback rate card shows %q during the outage", got.FallbackRate)
	}
	if !slices.Contains(got.SpendRows, primary) || !slices.Contains(got.SpendRows, fallback) {
		t.Errorf("spend rows %v, want %s and %s", got.SpendRows, primary, fallback)
	}
	if !strings.Contains(got.Users, "obs-dash-user") {
		t.Errorf("top users %q lack the user", got.Users)
	}
	if got.Store != "store: memory · ok" || got.Conn != "live" {
		t.Errorf("store chip %q, connection %q; want \"store: memory · ok\" and live", got.Store, got.Conn)
	}
	for _, name := range []string{"before.png", "outage.png"} {
		if fi, err := os.Stat(filepath.Join(outDir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
	// The gateway agrees with its page.
	if s := getStatus(t, gw).breakerState(primary); s != "open" {
		t.Errorf("/v1/status says the primary's breaker is %q, want open", s)
	}
}
