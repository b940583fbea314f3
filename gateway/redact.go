package gateway

import (
	"context"
	"net/http"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Redaction (DESIGN §7): every configured secret is replaced with
// redact.Marker in what comes from an upstream before anything else sees
// it — response headers as the call returns (roundTrip), whole answers as
// they are read (readAnswer), SSE error events, and the error text and
// message of every attempt's Result (boundary) — so that neither the engine,
// the logs nor the client ever hold one, even when an upstream echoes it.
// Streamed content events and 2xx passthrough bodies (files, batch results)
// pass as they are.

// registerSecrets adds what the Server knows to be secret to its redactor:
// the upstream key, the client keys, the admin key, the userinfo of the
// upstream URL and the secrets given with WithSecrets (or WithConfig).
func (s *Server) registerSecrets() {
	s.red = s.set.redactor
	if s.red == nil {
		s.red = redact.New()
	}
	s.red.Add(s.set.apiKey, s.set.adminKey)
	for _, c := range s.set.clients {
		s.red.Add(c.Key)
	}
	s.red.Add(redact.URLSecrets(s.set.upstream)...)
	s.red.Add(s.set.secrets...)
}

// redactor returns the redactor of this request: the Server's, plus the
// client's own credentials when they are passed through to the upstream
// (no upstream key configured), which are then never logged either.
func (up *upstream) redactor() *redact.Redactor {
	if up.red != nil {
		return up.red
	}
	up.red = up.s.red
	if up.s.set.apiKey == "" && up.s.clients == nil {
		if own := redact.Credentials(up.r.Header); own != nil {
			up.red = up.s.red.With(own...)
		}
	}
	return up.red
}

// roundTrip makes one upstream call. The answer's headers come back with
// every secret redacted; so do the texts of its errors (boundary).
func (up *upstream) roundTrip(req *http.Request) (*http.Response, error) {
	resp, err := up.s.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Header = up.redactor().Header(resp.Header)
	return resp, nil
}

// boundary wraps an attempt so that its Result reaches the engine (its
// logs, its decisions) with secrets and URL userinfo removed from the error
// text and the upstream's message, and a cloud provider's throttle with
// the wait it did not name (place.withThrottleWait).
func (up *upstream) boundary(do engine.AttemptFunc[reply]) engine.AttemptFunc[reply] {
	return func(ctx context.Context, a engine.Attempt) (reply, taxonomy.Result) {
		rep, res := do(ctx, a)
		up.s.observe(a, res)
		if a.Upstream != "" {
			res = up.s.places[a.Upstream].withThrottleWait(res)
		}
		if res.Err != nil || res.Message != "" {
			red := up.redactor()
			res.Err = red.Error(res.Err)
			res.Message = red.Text(res.Message)
		}
		return rep, res
	}
}
