package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The Google service account the simulator plays. Its key file is served at
// GET /_sim/google/service-account.json.
const (
	// GoogleProjectID is the project of the simulated service account.
	GoogleProjectID = "bulwark-sim"
	// GoogleClientEmail is the simulated service account's client_email:
	// the only issuer whose JWT assertions the token endpoint accepts.
	GoogleClientEmail = "sim@bulwark-sim.iam.gserviceaccount.com"
)

// googleTokenTTL is how long an issued access token is good for (expires_in).
const googleTokenTTL = time.Hour

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// googleKey is the service account's RSA key pair, made once per process on
// first use (a 2048-bit key takes a moment to generate).
var googleKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("sim: cannot generate the Google service-account key: " + err.Error())
	}
	return k
})

// googleAuth holds the access tokens a Server has issued.
type googleAuth struct {
	mu     sync.Mutex
	tokens map[string]time.Time // token -> expiry (server clock)
}

// issue makes a new access token good until now+googleTokenTTL.
func (g *googleAuth) issue(now time.Time) string {
	tok := newID("ya29.sim_", 40)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tokens == nil {
		g.tokens = map[string]time.Time{}
	}
	for t, exp := range g.tokens { // forget expired ones
		if !now.Before(exp) {
			delete(g.tokens, t)
		}
	}
	g.tokens[tok] = now.Add(googleTokenTTL)
	return tok
}

// valid reports whether tok is an access token issued and not expired at
// now, or a self-signed JWT of the service account (what Google client
// libraries send instead of an access token when they are given no scope).
func (g *googleAuth) valid(tok string, now time.Time) bool {
	g.mu.Lock()
	exp, ok := g.tokens[tok]
	g.mu.Unlock()
	if ok {
		return now.Before(exp)
	}
	return strings.Count(tok, ".") == 2 && verifyServiceAccountJWT(tok) == nil
}

// verifyServiceAccountJWT checks a JWT signed with RS256 by the simulated
// service account's key, with iss = GoogleClientEmail and an exp. Its times
// are checked against the wall clock, as the client signed it with one.
func verifyServiceAccountJWT(tok string) error {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return &googleKey().PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(GoogleClientEmail), jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute))
	return err
}

// handleGoogleToken answers POST /_sim/google/token, the OAuth2 JWT-bearer
// grant (RFC 7523) of a service account: a form with grant_type and an
// assertion signed by the key of /_sim/google/service-account.json.
func (s *Server) handleGoogleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.adminMethod(w, r, http.MethodPost)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, marshal(oauthError{Error: "invalid_request", Description: err.Error()}))
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		writeJSON(w, http.StatusBadRequest, marshal(oauthError{Error: "unsupported_grant_type", Description: "Invalid grant_type: " + g}))
		return
	}
	if err := verifyServiceAccountJWT(r.PostForm.Get("assertion")); err != nil {
		writeJSON(w, http.StatusBadRequest, marshal(oauthError{Error: "invalid_grant", Description: "Invalid JWT: " + err.Error()}))
		return
	}
	s.writeGoogleToken(w)
}

func (s *Server) writeGoogleToken(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, marshal(googleToken{
		AccessToken: s.google.issue(s.clock.Now()), ExpiresIn: int(googleTokenTTL / time.Second), TokenType: "Bearer",
	}))
}

// handleServiceAccount answers GET /_sim/google/service-account.json: a key
// file for golang.org/x/oauth2/google whose token_uri is this server's
// token endpoint, as reached by the request (its Host).
func (s *Server) handleServiceAccount(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.adminMethod(w, r, http.MethodGet)
		return
	}
	der, err := x509.MarshalPKCS8PrivateKey(googleKey())
	if err != nil {
		panic("sim: cannot encode the service-account key: " + err.Error())
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, marshal(serviceAccountFile{
		Type:         "service_account",
		ProjectID:    GoogleProjectID,
		PrivateKeyID: "bulwark-sim-key",
		PrivateKey:   string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		ClientEmail:  GoogleClientEmail,
		ClientID:     "100000000000000000000",
		AuthURI:      "https://accounts.google.com/o/oauth2/auth",
		TokenURI:     scheme + "://" + r.Host + "/_sim/google/token",
	}))
}

// handleMetadata answers the GCE metadata server paths that Google's client
// libraries read when GCE_METADATA_HOST points here: the default service
// account's token, email and the project id. Every request needs
// Metadata-Flavor: Google.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Metadata-Flavor", "Google")
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "Missing required header \"Metadata-Flavor\": \"Google\"", http.StatusForbidden)
		return
	}
	const base = "/computeMetadata/v1/"
	switch strings.TrimPrefix(r.URL.Path, base) {
	case "instance/service-accounts/default/token":
		s.writeGoogleToken(w)
	case "instance/service-accounts/default/email":
		w.Header().Set("Content-Type", "application/text")
		_, _ = w.Write([]byte(GoogleClientEmail))
	case "project/project-id":
		w.Header().Set("Content-Type", "application/text")
		_, _ = w.Write([]byte(GoogleProjectID))
	case "instance/service-accounts/default/scopes":
		w.Header().Set("Content-Type", "application/text")
		_, _ = w.Write([]byte("https://www.googleapis.com/auth/cloud-platform\n"))
	case "", "instance/", "instance":
		w.Header().Set("Content-Type", "application/text")
		_, _ = w.Write([]byte("instance/\nproject/\n"))
	default:
		http.NotFound(w, r)
	}
}

type googleToken struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type serviceAccountFile struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	ClientID     string `json:"client_id"`
	AuthURI      string `json:"auth_uri"`
	TokenURI     string `json:"token_uri"`
}
