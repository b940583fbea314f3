package gateway_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/internal/browsertest"
)

// keyedDashboard opens the dashboard at args[0] in Chromium once with
// ?key=args[1], waits for a successful poll, then opens it in a browser
// context without the cookie.
const keyedDashboard = `
    const [url, key] = args;
    const page = await (await browser.newContext()).newPage();
    await page.goto(url + '/?key=' + encodeURIComponent(key));
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
    out.url = page.url();
    out.scriptCookie = await page.evaluate(() => document.cookie);
    const stranger = await (await browser.newContext()).newPage();
    out.strangerStatus = (await stranger.goto(url + '/')).status();
`

func TestABrowserGetsOntoTheGuardedDashboardWithKeyOnceInChromium(t *testing.T) {
	env := browsertest.Need(t)
	g := adminGateway(t, gateway.WithClientKeys(gateway.ClientKey{Key: "client-key-4"}), gateway.WithAdminKey("admin-key-4"))
	var got struct {
		Error, URL, ScriptCookie string
		StrangerStatus           int
	}
	env.RunInBrowser(t, keyedDashboard, &got, g.url, "admin-key-4")
	if got.Error != "" {
		t.Fatalf("in the browser: %s", got.Error)
	}
	if got.URL != g.url+"/" || got.ScriptCookie != "" || got.StrangerStatus != 401 {
		t.Errorf("landed on %q (want %q), cookie visible to scripts %q, another browser got %d (want 401)",
			got.URL, g.url+"/", got.ScriptCookie, got.StrangerStatus)
	}
}
