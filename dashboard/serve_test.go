package dashboard

import (
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestServeForALook serves the dashboard with the fake status on
// DASHBOARD_SERVE (for example 127.0.0.1:8099) for DASHBOARD_SERVE_FOR
// (default 2m), so a person or a headless browser can look at it. Skipped
// unless DASHBOARD_SERVE is set.
func TestServeForALook(t *testing.T) {
	addr := os.Getenv("DASHBOARD_SERVE")
	if addr == "" {
		t.Skip("set DASHBOARD_SERVE=127.0.0.1:8099 to serve the dashboard with a fake status")
	}
	d, err := time.ParseDuration(os.Getenv("DASHBOARD_SERVE_FOR"))
	if err != nil {
		d = 2 * time.Minute
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: testMux(newFakeStatus(time.Now())), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Logf("dashboard on http://%s/ for %v", addr, d)
	<-time.After(d)
	_ = srv.Close()
}
