package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// ErrAuth is wrapped by the errors of a credential that cannot be had: a
// key, AWS credentials, a Google or Entra token.
var ErrAuth = errors.New("provider: no credentials")

// authorizer adds an upstream's credentials to a request whose body is
// body (SigV4 signs it).
type authorizer interface {
	authorize(ctx context.Context, r *http.Request, body []byte) error
}

// noAuth sends no credentials (an anthropic upstream with no key: the
// caller may add its own).
type noAuth struct{}

func (noAuth) authorize(context.Context, *http.Request, []byte) error { return nil }

// keyAuth sends a fixed key in one header: x-api-key, or Authorization as
// a bearer token.
type keyAuth struct {
	bearer bool
	key    string
}

func (a keyAuth) authorize(_ context.Context, r *http.Request, _ []byte) error {
	if a.bearer {
		r.Header.Set("Authorization", "Bearer "+a.key)
	} else {
		r.Header.Set("X-Api-Key", a.key)
	}
	return nil
}

// tokenAuth sends a bearer token from a function (Foundry's Entra ID).
type tokenAuth struct {
	what  string
	token func(context.Context) (string, error)
	seen  *seenSecrets
}

func (a tokenAuth) authorize(ctx context.Context, r *http.Request, _ []byte) error {
	tok, err := a.token(ctx)
	if err == nil && tok == "" {
		err = errors.New("empty token")
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrAuth, a.what, err)
	}
	a.seen.report(tok)
	r.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// seenSecrets passes each secret to the sink once (the last few seen are
// remembered, so that a token source's cached token costs one map look-up
// per request).
type seenSecrets struct {
	sink func(string)
	mu   sync.Mutex
	seen map[string]bool
}

func newSeen(sink func(string)) *seenSecrets {
	return &seenSecrets{sink: sink, seen: map[string]bool{}}
}

// report passes each of secrets not seen before (and not empty) to the
// sink, before the caller uses it.
func (s *seenSecrets) report(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if v == "" || s.seen[v] {
			continue
		}
		if len(s.seen) >= 64 { // rotated credentials: forget the old ones
			clear(s.seen)
		}
		s.seen[v] = true
		s.sink(v)
	}
}
