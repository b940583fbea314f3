package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// A place is a named upstream other than the default one (DESIGN §13):
// where the attempts of a deployment whose Attempt.Upstream names it go,
// through its provider.Upstream (wire, auth, translation both ways). The
// default upstream ("" in the engine, "anthropic" in the config) keeps the
// Server's own fields (msgURL, the key of WithAPIKey) and its zero-copy path.
type place struct {
	up  *provider.Upstream
	set provider.Settings // as configured, for /v1/status and the kind's rules
}

// setPlaces builds a place for every configured upstream but the default;
// every credential a place holds or obtains is redacted like the API key.
func (s *Server) setPlaces() error {
	s.places = make(map[string]*place, len(s.set.upstreams))
	for name, set := range s.set.upstreams {
		if name == config.DefaultUpstream {
			continue
		}
		up, err := provider.New(context.Background(), name, set, provider.WithSecretSink(func(v string) { s.red.Add(v) }))
		if err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		s.red.Add(redact.URLSecrets(set.BaseURL)...)
		s.places[name] = &place{up: up, set: set}
	}
	return nil
}

// checkDeployments fails on a chain's deployment its upstream does not serve.
func (s *Server) checkDeployments(chain string, c engine.Chain) error {
	for i, u := range c.Upstreams {
		if u == "" {
			continue
		}
		p := s.places[u]
		if p == nil {
			return fmt.Errorf("%w: chain %q: upstream %q is not configured", ErrConfig, chain, u)
		}
		if _, ok := p.up.ModelID(c.Models[i]); !ok {
			return fmt.Errorf("%w: chain %q: upstream %q does not serve %s (map it in its models)", ErrConfig, chain, u, c.Models[i])
		}
	}
	return nil
}

// upstreamName is the name of the upstream of an attempt or an answer, for
// bulwark-upstream and the logs: "anthropic" for the default one.
func upstreamName(up string) string {
	if up == "" {
		return config.DefaultUpstream
	}
	return up
}

// servable returns c without the deployments whose upstream cannot take this
// request (a field, a beta or an op it lacks: provider.Unsupported), each
// reason logged once per upstream; c itself when all can.
func (s *Server) servable(c *resolved, op provider.Op, h http.Header, body []byte) *resolved {
	var drop []int
	var betas []string
	read := false // betas are read once, and only for a chain with places
	for i, u := range c.chain.Upstreams {
		if u == "" {
			continue
		}
		if !read {
			betas, read = betasOf(h), true
		}
		err := s.places[u].up.Check(op, c.chain.Models[i], betas, body)
		var un *provider.Unsupported
		if errors.As(err, &un) {
			drop = append(drop, i)
			s.skipOnce(un)
		}
	}
	if drop == nil {
		return c
	}
	out := &resolved{chain: c.chain, quoted: c.quoted}
	out.chain.Models, out.chain.Upstreams = nil, nil
	for i, m := range c.chain.Models {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		out.chain.Models = append(out.chain.Models, m)
		out.chain.Upstreams = append(out.chain.Upstreams, c.chain.Upstream(i))
	}
	return out
}

// skipOnce logs a deployment skipped for a reason the first time it is.
func (s *Server) skipOnce(un *provider.Unsupported) {
	if _, seen := s.skipped.LoadOrStore(un.Upstream+"\x00"+un.Reason, true); !seen {
		s.log.Warn("upstream.unsupported", slog.String("upstream", un.Upstream), slog.String("reason", un.Reason),
			slog.String("effect", "its deployments are skipped for such requests"))
	}
}

// betasOf returns the anthropic-beta values of h.
func betasOf(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Anthropic-Beta") {
		for _, b := range strings.Split(v, ",") {
			if b = strings.TrimSpace(b); b != "" {
				out = append(out, b)
			}
		}
	}
	return out
}

// errPlaceAuth marks an attempt whose upstream credentials could not be had:
// taken as the upstream's 401, which pages and moves on (DESIGN §2).
var errPlaceAuth = errors.New("upstream credentials unavailable")

// messagesRequest builds the Messages call of attempt a: to the default
// upstream on the zero-copy path, or to the place a.Upstream names. The
// place's answer must go through translate.
func (up *upstream) messagesRequest(ctx context.Context, a engine.Attempt) (*http.Request, *place, error) {
	if a.Upstream == "" {
		return up.newRequest(ctx, http.MethodPost, up.s.msgURL, a.Model), nil, nil
	}
	p := up.s.places[a.Upstream]
	req, err := p.up.NewRequest(ctx, provider.OpMessages, a.Model, up.f.Stream, up.body, up.forwardedHeaders())
	if errors.Is(err, provider.ErrAuth) {
		err = fmt.Errorf("%w: %w", errPlaceAuth, err)
	}
	return req, p, err
}

// attemptFailure is the Result of an attempt whose request could not be built.
func attemptFailure(err error) taxonomy.Result {
	if errors.Is(err, errPlaceAuth) {
		return taxonomy.Result{Status: http.StatusUnauthorized, ErrorType: "authentication_error", Message: err.Error()}
	}
	return taxonomy.Result{Err: err}
}

// throttleWait is the cooldown of a cloud provider's throttle that names
// no wait of its own: Bedrock's ThrottlingException and Vertex's
// RESOURCE_EXHAUSTED come without retry-after, and a deployment that is
// throttling should be left alone for a moment rather than retried at once
// (DESIGN §13: rate limited with a cooldown). 1 s: Bedrock's and Vertex's
// quotas are per minute, but a longer guess would idle a deployment that
// throttled one burst.
const throttleWait = time.Second

// withThrottleWait gives res, a rate-limited answer of a place other than
// an Anthropic one, a retry-after of throttleWait when it has none.
func (p *place) withThrottleWait(res taxonomy.Result) taxonomy.Result {
	if p == nil || p.set.Kind == provider.Anthropic ||
		(res.Status != http.StatusTooManyRequests && res.ErrorType != "rate_limit_error") {
		return res
	}
	if res.Header.Get("Retry-After") != "" || res.Header.Get("Retry-After-Ms") != "" {
		return res
	}
	h := res.Header.Clone() // shared with the answer's headers
	if h == nil {
		h = http.Header{}
	}
	h.Set("Retry-After", strconv.Itoa(int(throttleWait/time.Second)))
	res.Header = h
	return res
}

// translate turns a place's answer into the first-party one; the default
// upstream's passes as it is.
func (p *place) translate(resp *http.Response, stream bool) *http.Response {
	if p == nil {
		return resp
	}
	return p.up.Response(resp, stream)
}
