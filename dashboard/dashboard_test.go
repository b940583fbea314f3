package dashboard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func TestHandlerServesThePage(t *testing.T) {
	res := get(t, Handler(""), http.MethodGet, "/")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("missing security headers: %v", res.Header)
	}
	page := string(body)
	for _, want := range []string{
		`<meta name="bulwark-status-path" content="/v1/status">`,
		`id="breakers"`, `id="incidents"`, `id="chart"`, `id="spend"`, `id="rates"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "{{") {
		t.Error("page has an unreplaced placeholder")
	}
}

func TestHandlerRoutes(t *testing.T) {
	h := Handler("/v1/status")
	tests := []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/", 200},
		{http.MethodGet, "/index.html", 200},
		{http.MethodHead, "/", 200},
		{http.MethodPost, "/", 405},
		{http.MethodGet, "/favicon.ico", 404},
		{http.MethodGet, "/v1/other", 404},
	}
	for _, tt := range tests {
		if got := get(t, h, tt.method, tt.path).StatusCode; got != tt.code {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, got, tt.code)
		}
	}
	res := get(t, h, http.MethodHead, "/")
	if b, _ := io.ReadAll(res.Body); len(b) != 0 || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d body bytes, Content-Length %q", len(b), res.Header.Get("Content-Length"))
	}
}

func TestHandlerEscapesTheStatusPath(t *testing.T) {
	page := string(Page(`/s"><script>alert(1)</script>`))
	if strings.Contains(page, `<script>alert(1)`) {
		t.Error("status path was not escaped")
	}
	if !strings.Contains(page, `content="/s&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("status path not in the meta tag as expected")
	}
}

// The page must work with no internet: no URL to another host, in the page
// or in any asset it is built from.
func TestAssetsReferenceNoExternalURL(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(\s*['"]?(https?:|//)`)
	for name, text := range map[string]string{
		"index.html": indexHTML, "style.css": styleCSS, "app.js": appJS, "page": string(Page("/v1/status")),
	} {
		for _, bad := range []string{"http://", "https://"} {
			if strings.Contains(strings.ToLower(text), bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
		if m := external.FindString(text); m != "" {
			t.Errorf("%s references %q", name, m)
		}
	}
}

func TestInlineAssetsCannotCloseTheirTags(t *testing.T) {
	if strings.Contains(strings.ToLower(appJS), "</script") {
		t.Error("app.js contains </script")
	}
	if strings.Contains(strings.ToLower(styleCSS), "</style") {
		t.Error("style.css contains </style")
	}
}

func TestCSPAllowsExactlyTheInlineScriptAndStyle(t *testing.T) {
	csp := get(t, Handler(""), http.MethodGet, "/").Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src '" + hash(appJS) + "'", "style-src '" + hash(styleCSS) + "'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}

func TestScriptUsesNoInnerHTML(t *testing.T) {
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(appJS, bad) {
			t.Errorf("app.js uses %s: status values must be written as text", bad)
		}
	}
}
