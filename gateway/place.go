package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
)

// A place is a named upstream other than the default one (DESIGN §13):
// where the attempts of a deployment whose Attempt.Upstream names it go,
// and how they are authenticated. The default upstream ("" in the engine,
// "anthropic" in the config) keeps the Server's own fields (msgURL, the
// key of WithAPIKey) and its zero-copy path.
type place struct {
	name   string
	kind   string
	msgURL *url.URL
	// apiKey is the kind anthropic's x-api-key.
	apiKey string
	// models maps a first-party model name to this place's id for it; nil
	// serves every model under its own name.
	models map[string]string
}

// setPlaces builds a place for every configured upstream but the default.
func (s *Server) setPlaces() error {
	s.places = make(map[string]*place, len(s.set.upstreams))
	for name, u := range s.set.upstreams {
		if name == config.DefaultUpstream {
			continue
		}
		p, err := s.newPlace(name, u)
		if err != nil {
			return fmt.Errorf("%w: upstream %q: %w", ErrConfig, name, err)
		}
		s.places[name] = p
	}
	return nil
}

func (s *Server) newPlace(name string, u config.Upstream) (*place, error) {
	p := &place{name: name, kind: u.Kind, models: u.Models}
	switch u.Kind {
	case config.KindAnthropic:
		base := u.BaseURL
		if base == "" {
			base = DefaultUpstream
		}
		bu, err := baseURL(base)
		if err != nil {
			return nil, fmt.Errorf("base_url: %w", err)
		}
		env := u.APIKeyEnv
		if env == "" {
			env = "ANTHROPIC_API_KEY"
		}
		if p.apiKey = os.Getenv(env); p.apiKey == "" {
			return nil, fmt.Errorf("its key variable $%s is not set", env)
		}
		s.red.Add(p.apiKey)
		s.red.Add(redact.URLSecrets(base)...)
		p.msgURL = messagesURL(bu)
	default:
		return nil, fmt.Errorf("kind %q is not served by this build", u.Kind)
	}
	return p, nil
}

// baseURL parses an upstream's base URL, which must be http(s).
func baseURL(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", redact.Userinfo(base))
	}
	return u, nil
}

// messagesURL is the Messages URL under base.
func messagesURL(base *url.URL) *url.URL {
	mu := *base
	mu.Path, mu.RawPath = base.Path+"/v1/messages", ""
	return &mu
}

// statusURL is p's base URL for GET /v1/status, without secrets.
func (p *place) statusURL() string {
	u := *p.msgURL
	u.Path = strings.TrimSuffix(u.Path, "/v1/messages")
	return redact.URL(&u)
}

// modelID is p's id for model.
func (p *place) modelID(model string) string {
	if id, ok := p.models[model]; ok {
		return id
	}
	return model
}

// upstreamName is the name of the upstream of an attempt or an answer, for
// bulwark-upstream and the logs: "anthropic" for the default one.
func upstreamName(up string) string {
	if up == "" {
		return config.DefaultUpstream
	}
	return up
}

// messagesRequest builds the Messages call of attempt a: to the default
// upstream on the zero-copy path, or to the place a.Upstream names.
func (up *upstream) messagesRequest(ctx context.Context, a engine.Attempt) (*http.Request, error) {
	if a.Upstream == "" {
		return up.newRequest(ctx, http.MethodPost, up.s.msgURL, a.Model), nil
	}
	p := up.s.places[a.Upstream]
	if p == nil { // resolveChains checks every via: a bug if reached
		return nil, fmt.Errorf("upstream %q is not configured", a.Upstream)
	}
	req := up.newRequest(ctx, http.MethodPost, p.msgURL, p.modelID(a.Model))
	h := req.Header.Clone()
	delete(h, "Authorization")
	h["X-Api-Key"] = []string{p.apiKey}
	req.Header = h
	return req, nil
}
