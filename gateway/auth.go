package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// The admin paths are /v1/status and every handler mounted with WithHandler
// (/metrics and the dashboard in bulwark serve). With client keys or an
// admin key configured they need one of those keys (DESIGN §7); with
// neither, they are open.
const (
	// AdminCookie is the cookie that lets a browser onto the admin paths
	// after it opened one of them once with ?key=KEY. Its value is derived
	// from the key (never the key itself) and opens the admin paths only,
	// never the API.
	AdminCookie = "bulwark_admin"
	// AdminKeyParam is the query parameter that sets AdminCookie.
	AdminKeyParam = "key"
)

// adminDeniedMessage is the 401 message of an admin path.
const adminDeniedMessage = "This path needs a client key or the admin key: send it in x-api-key or " +
	"Authorization: Bearer, or, in a browser, open the page once with ?" + AdminKeyParam + "=KEY."

// presentedKey returns the key a request presents: x-api-key, else the
// token of Authorization: Bearer; "" when there is none.
func presentedKey(h http.Header) string {
	if key := h.Get("X-Api-Key"); key != "" {
		return key
	}
	if a := h.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// authenticate checks the client key when client keys are configured, and
// sets the request's client user and tenant from it. The tenant is the
// key's SHA-256: two keys are two tenants even when they name one user.
func (x *exchange) authenticate() bool {
	if x.s.clients == nil {
		return true
	}
	if key := presentedKey(x.r.Header); key != "" {
		sum := sha256.Sum256([]byte(key))
		if user, ok := x.s.clients[sum]; ok {
			x.clientUser = user
			if user == "" {
				x.clientUser = keyUser(sum)
			}
			x.tenant = string(sum[:])
			return true
		}
	}
	x.fail(http.StatusUnauthorized, "authentication_error", "invalid x-api-key", 0)
	return false
}

// adminKeys are the keys that open the admin paths: every client key and
// the admin key, by SHA-256, and the AdminCookie value of each. Empty: the
// admin paths are open.
type adminKeys struct {
	keys    map[[32]byte]bool
	cookies map[string]bool
}

func newAdminKeys(keys ...string) adminKeys {
	a := adminKeys{keys: map[[32]byte]bool{}, cookies: map[string]bool{}}
	for _, k := range keys {
		if k != "" {
			a.keys[sha256.Sum256([]byte(k))] = true
			a.cookies[cookieValue(k)] = true
		}
	}
	return a
}

// cookieValue is the AdminCookie value of key: a hash of it under its own
// label, so that the cookie is not the key and is not the key's hash used
// elsewhere (client user names).
func cookieValue(key string) string {
	sum := sha256.Sum256([]byte("bulwark admin cookie\x00" + key))
	return hex.EncodeToString(sum[:])
}

// adminAccess is what an admin path does with a request.
type adminAccess int

const (
	adminDeny      adminAccess = iota // 401
	adminAllow                        // serve it
	adminSetCookie                    // set AdminCookie and redirect to the URL without ?key=
)

// decideAdmin decides an admin path's request: open when no key is
// configured; else ?key= with a good key sets the cookie (a bad one is
// denied), and a good x-api-key / Authorization: Bearer key or a good
// cookie is let through.
func decideAdmin(a adminKeys, r *http.Request) adminAccess {
	if len(a.keys) == 0 {
		return adminAllow
	}
	if q := r.URL.Query(); q.Has(AdminKeyParam) {
		if a.keys[sha256.Sum256([]byte(q.Get(AdminKeyParam)))] {
			return adminSetCookie
		}
		return adminDeny
	}
	if key := presentedKey(r.Header); key != "" && a.keys[sha256.Sum256([]byte(key))] {
		return adminAllow
	}
	if c, err := r.Cookie(AdminCookie); err == nil && a.cookies[c.Value] {
		return adminAllow
	}
	return adminDeny
}

// guardAdmin puts h behind the admin keys.
func (s *Server) guardAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch decideAdmin(s.admin, r) {
		case adminAllow:
			h.ServeHTTP(w, r)
		case adminSetCookie:
			q := r.URL.Query()
			key := q.Get(AdminKeyParam)
			q.Del(AdminKeyParam)
			http.SetCookie(w, &http.Cookie{Name: AdminCookie, Value: cookieValue(key), Path: "/",
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
			path := r.URL.Path
			if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
				path = "/" // never a redirect to another host
			}
			u := url.URL{Path: path, RawQuery: q.Encode()}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
		default:
			writeError(w, newRequestID(), http.StatusUnauthorized, "authentication_error", adminDeniedMessage, 0)
		}
	})
}
