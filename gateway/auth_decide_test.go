package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestDecideAdminLetsInAnyConfiguredKeyOrItsCookieAndNothingElse(t *testing.T) {
	keys := newAdminKeys("client-1", "admin-1")
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: AdminCookie, Value: v}) }
	}
	header := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	tests := []struct {
		name   string
		keys   adminKeys
		target string
		set    func(*http.Request)
		want   adminAccess
	}{
		{"no key configured: open", newAdminKeys(), "/metrics", nil, adminAllow},
		{"no key configured: ?key= is ignored", newAdminKeys(""), "/?key=x", nil, adminAllow},
		{"nothing presented", keys, "/metrics", nil, adminDeny},
		{"a client key in x-api-key", keys, "/metrics", header("X-Api-Key", "client-1"), adminAllow},
		{"the admin key as a bearer token", keys, "/metrics", header("Authorization", "Bearer admin-1"), adminAllow},
		{"a bearer token in any case", keys, "/metrics", header("Authorization", "bearer admin-1"), adminAllow},
		{"a wrong key", keys, "/metrics", header("X-Api-Key", "client-2"), adminDeny},
		{"a key with a space more", keys, "/metrics", header("X-Api-Key", "client-1 "), adminDeny},
		{"a key's cookie", keys, "/v1/status", cookie(cookieValue("admin-1")), adminAllow},
		{"the key itself as the cookie", keys, "/v1/status", cookie("admin-1"), adminDeny},
		{"a cookie of another key", keys, "/v1/status", cookie(cookieValue("nope")), adminDeny},
		{"?key= with a good key", keys, "/?key=client-1", nil, adminSetCookie},
		{"?key= with a bad key, though the cookie is good", keys, "/?key=nope", cookie(cookieValue("client-1")), adminDeny},
		{"?key= empty", keys, "/?key=", nil, adminDeny},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.target, nil)
		if tt.set != nil {
			tt.set(r)
		}
		if got := decideAdmin(tt.keys, r); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
