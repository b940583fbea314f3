package dashboard

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// DefaultStatusPath is the status path [Handler] uses when given "".
const DefaultStatusPath = "/v1/status"

var (
	//go:embed assets/index.html
	indexHTML string
	//go:embed assets/style.css
	styleCSS string
	//go:embed assets/app.js
	appJS string
)

// Handler returns the handler of the dashboard page. It serves GET and HEAD
// of "/" (and "/index.html") with the page, which fetches its data from
// statusPath (default [DefaultStatusPath]; a path on the same origin); any
// other path is 404 and any other method 405. Mount it under a prefix with
// http.StripPrefix. The page is built once, here.
func Handler(statusPath string) http.Handler {
	if statusPath == "" {
		statusPath = DefaultStatusPath
	}
	page := Page(statusPath)
	csp := "default-src 'none'; " +
		"script-src '" + hash(appJS) + "'; " +
		"style-src '" + hash(styleCSS) + "'; " +
		"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	length := strconv.Itoa(len(page))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/index.html" && r.URL.Path != "" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", length)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(page)
	})
}

// Page returns the dashboard page with its CSS and JavaScript inlined and
// statusPath (HTML-escaped) as the path it polls.
func Page(statusPath string) []byte {
	r := strings.NewReplacer(
		"{{STATUS_PATH}}", html.EscapeString(statusPath),
		"{{CSS}}", styleCSS,
		"{{JS}}", appJS,
	)
	return []byte(r.Replace(indexHTML))
}

// hash is the CSP source of an inline script or style: its SHA-256.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
