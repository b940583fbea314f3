package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/dashboard"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/metrics"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

func TestCacheTierNeverServesOneTenantAnotherTenantsAnswer(t *testing.T) {
	s, up := startSim(t)
	st := &countingStore{Memory: store.NewMemory()}
	g := startGateway(t, up, gateway.WithStore(st), gateway.WithCache(true),
		gateway.WithChains(map[string][]string{"default": {sonnet, haiku, "cache", "static"}}),
		gateway.WithClientKeys(gateway.ClientKey{Key: "key-tenant-a", User: "a"}, gateway.ClientKey{Key: "key-tenant-b", User: "b"}))
	body := messagesBody(sonnet, "what is our secret plan", false)
	if resp, b := call(t, "POST", g.url+"/v1/messages", body, "x-api-key", "key-tenant-a"); resp.StatusCode != 200 {
		t.Fatalf("fresh: %d %s", resp.StatusCode, b)
	}
	waitFor(t, "the answer to be cached", func() bool { return st.puts.Load() == 1 })

	s.SetRules([]sim.Rule{{Model: "*", Status: 529}})
	resp, _ := call(t, "POST", g.url+"/v1/messages", body, "authorization", "Bearer key-tenant-a")
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-degraded") != "cache" {
		t.Fatalf("tenant A's own answer from cache: %d %v", resp.StatusCode, resp.Header)
	}
	for name, h := range map[string][]string{
		"tenant B":                 {"x-api-key", "key-tenant-b"},
		"tenant A with a beta":     {"x-api-key", "key-tenant-a", "anthropic-beta", "files-api-2025-04-14"},
		"tenant A, other version":  {"x-api-key", "key-tenant-a", "anthropic-version", "2099-01-01"},
		"tenant B, as user A says": {"x-api-key", "key-tenant-b", "bulwark-user-id", "a"},
	} {
		resp, b := call(t, "POST", g.url+"/v1/messages", body, h...)
		if resp.StatusCode != 529 || resp.Header.Get("bulwark-degraded") == "cache" {
			t.Errorf("%s got a cached answer: %d %v %s", name, resp.StatusCode, resp.Header, b)
		}
	}
}

// adminGateway serves what bulwark serve mounts: /metrics and the dashboard.
func adminGateway(t *testing.T, opts ...gateway.Option) *gw {
	t.Helper()
	_, up := startSim(t)
	m := metrics.New()
	return startGateway(t, up, append([]gateway.Option{
		gateway.WithStatusFields(func() any { return m.Status() }),
		gateway.WithHandler("GET /metrics", m.Handler()),
		gateway.WithHandler("GET /{$}", dashboard.Handler("/v1/status")),
	}, opts...)...)
}

var adminPaths = []string{"/v1/status", "/metrics", "/"}

func TestAdminPathsNeedAClientKeyOrTheAdminKeyWhenClientKeysAreConfigured(t *testing.T) {
	g := adminGateway(t, gateway.WithClientKeys(gateway.ClientKey{Key: "client-key-1", User: "web"}),
		gateway.WithAdminKey("admin-key-1"))
	for _, path := range adminPaths {
		for _, h := range [][]string{nil, {"x-api-key", "wrong-key"}, {"authorization", "Bearer wrong-key"}} {
			resp, b := call(t, "GET", g.url+path, "", h...)
			if typ, _, _ := anthropicError(t, b); resp.StatusCode != 401 || typ != "authentication_error" {
				t.Errorf("%s %v: %d %s", path, h, resp.StatusCode, b)
			}
			if strings.Contains(string(b), "wrong-key") {
				t.Errorf("%s: the key was echoed: %s", path, b)
			}
		}
		for _, h := range [][]string{{"x-api-key", "client-key-1"}, {"authorization", "Bearer client-key-1"},
			{"x-api-key", "admin-key-1"}, {"authorization", "Bearer admin-key-1"}} {
			if resp, b := call(t, "GET", g.url+path, "", h...); resp.StatusCode != 200 {
				t.Errorf("%s %v: %d %s", path, h, resp.StatusCode, b)
			}
		}
	}
	// The admin key opens the admin paths, not the API.
	if resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false), "x-api-key", "admin-key-1"); resp.StatusCode != 401 {
		t.Errorf("the admin key on /v1/messages: %d, want 401", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, _ := call(t, "GET", g.url+path, ""); resp.StatusCode != 200 {
			t.Errorf("%s needs no key: %d", path, resp.StatusCode)
		}
	}
	if logs := g.logs.String(); strings.Contains(logs, "admin-key-1") || strings.Contains(logs, "client-key-1") {
		t.Error("a key was logged")
	}
}

func TestAdminPathsStayOpenWithNoKeysConfiguredAndCloseWithAnAdminKeyAlone(t *testing.T) {
	open := adminGateway(t)
	for _, path := range adminPaths {
		if resp, b := call(t, "GET", open.url+path, ""); resp.StatusCode != 200 {
			t.Errorf("no keys, %s: %d %s", path, resp.StatusCode, b)
		}
	}
	admin := adminGateway(t, gateway.WithAdminKey("admin-key-2"))
	for _, path := range adminPaths {
		if resp, _ := call(t, "GET", admin.url+path, ""); resp.StatusCode != 401 {
			t.Errorf("admin key only, %s without it: %d", path, resp.StatusCode)
		}
		if resp, _ := call(t, "GET", admin.url+path, "", "x-api-key", "admin-key-2"); resp.StatusCode != 200 {
			t.Errorf("admin key only, %s with it: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := call(t, "POST", admin.url+"/v1/messages", messagesBody(sonnet, "hi", false)); resp.StatusCode != 200 {
		t.Errorf("with no client keys the API stays open: %d", resp.StatusCode)
	}
}

func TestABrowserOpensTheDashboardOnceWithKeyAndThenPollsWithItsCookie(t *testing.T) {
	g := adminGateway(t, gateway.WithClientKeys(gateway.ClientKey{Key: "client-key-3"}), gateway.WithAdminKey("admin-key-3"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", g.url+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("/?key=wrong"); resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
		t.Fatalf("a wrong ?key=: %d %v", resp.StatusCode, resp.Cookies())
	}
	resp := get("/?key=admin-key-3&theme=dark")
	cs := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?theme=dark" || len(cs) != 1 {
		t.Fatalf("?key=: %d %v %v", resp.StatusCode, resp.Header, cs)
	}
	c := cs[0]
	if c.Name != gateway.AdminCookie || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" ||
		strings.Contains(c.Value, "admin-key-3") {
		t.Fatalf("cookie %+v", c)
	}
	for _, path := range adminPaths {
		if resp := get(path, c); resp.StatusCode != 200 {
			t.Errorf("%s with the cookie: %d", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("POST", g.url+"/v1/messages", strings.NewReader(messagesBody(sonnet, "hi", false)))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(c)
	if resp, err := noFollow.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("the cookie on /v1/messages: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
}
