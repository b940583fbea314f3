package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// googleScope is the OAuth2 scope of both Google kinds, as the SDK's
// vertex and googlecloud packages ask for.
const googleScope = "https://www.googleapis.com/auth/cloud-platform"

// googleAuth sends a Google OAuth2 access token as a bearer token, from a
// token source of golang.org/x/oauth2/google that caches and refreshes it.
type googleAuth struct {
	ts   oauth2.TokenSource
	seen *seenSecrets
}

// newGoogleAuth finds s's Google credentials: s.CredentialsFile, else the
// file GOOGLE_APPLICATION_CREDENTIALS names (read through env), else the
// rest of Application Default Credentials. Token fetches use hc and a
// context that outlives ctx (the token source lives as long as the
// upstream). The file's private key and refresh token go to seen.
func newGoogleAuth(ctx context.Context, s Settings, o options, seen *seenSecrets) (*googleAuth, error) {
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, o.hc)
	params := google.CredentialsParams{Scopes: []string{googleScope}, TokenURL: s.TokenURL}
	file := firstNonEmpty(s.CredentialsFile, o.env("GOOGLE_APPLICATION_CREDENTIALS"))
	var creds *google.Credentials
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%w: Google credentials: %w", ErrAuth, err)
		}
		data, typ, secrets, err := googleFile(data, s.TokenURL)
		if err != nil {
			return nil, fmt.Errorf("%w: Google credentials file %s: %w", ErrAuth, file, err)
		}
		seen.report(secrets...)
		creds, err = google.CredentialsFromJSONWithTypeAndParams(tctx, data, typ, params)
		if err != nil {
			return nil, fmt.Errorf("%w: Google credentials file %s: %w", ErrAuth, file, err)
		}
	} else {
		var err error
		creds, err = google.FindDefaultCredentialsWithParams(tctx, params)
		if err != nil {
			return nil, fmt.Errorf("%w: Google application default credentials: %w", ErrAuth, err)
		}
	}
	return &googleAuth{ts: oauth2.ReuseTokenSource(nil, creds.TokenSource), seen: seen}, nil
}

// googleFile reads a Google credentials file: its type, its secrets, and
// its bytes with token_uri set to tokenURL when that is not empty (the
// override wins over the file's own).
func googleFile(data []byte, tokenURL string) (out []byte, typ google.CredentialsType, secrets []string, err error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, "", nil, err
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(f[k], &v)
		return v
	}
	typ = google.CredentialsType(str("type"))
	if typ == "" {
		return nil, "", nil, fmt.Errorf("no \"type\"")
	}
	secrets = []string{str("private_key"), str("refresh_token"), str("client_secret")}
	if tokenURL == "" {
		return data, typ, secrets, nil
	}
	f["token_uri"], _ = json.Marshal(tokenURL)
	out, err = json.Marshal(f)
	return out, typ, secrets, err
}

func (a *googleAuth) authorize(_ context.Context, r *http.Request, _ []byte) error {
	tok, err := a.ts.Token()
	if err != nil {
		return fmt.Errorf("%w: Google access token: %w", ErrAuth, err)
	}
	a.seen.report(tok.AccessToken)
	tok.SetAuthHeader(r)
	return nil
}
