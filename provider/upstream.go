package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Upstream is one named place a model is served from (DESIGN §13): it
// builds the outgoing requests of its kind (NewRequest) and turns the
// answers back into the first-party API's (Response). Safe for concurrent
// use.
type Upstream struct {
	name string
	s    Settings // resolved
	auth authorizer
}

// New returns the upstream name with settings s. It checks s, reads the
// keys it needs from the environment and loads the AWS config or finds the
// Google credentials, reporting every secret it holds to the secret sink;
// it fetches no token (the first request does). ctx bounds what New does;
// Google token sources outlive it. The errors wrap ErrSettings or ErrAuth.
func New(ctx context.Context, name string, s Settings, opts ...Option) (*Upstream, error) {
	o := newOptions(opts)
	s, err := resolve(name, s, o.env)
	if err != nil {
		return nil, err
	}
	seen := newSeen(o.sink)
	u := &Upstream{name: name, s: s}
	key := ""
	for _, env := range keyEnvs(s) {
		if key = o.env(env); key != "" {
			break
		}
	}
	seen.report(key)
	switch {
	case s.Kind.google():
		u.auth, err = newGoogleAuth(ctx, s, o, seen)
	case s.Kind.aws() && key != "":
		u.auth = keyAuth{bearer: true, key: key}
	case s.Kind.aws():
		u.auth, err = newSigV4Auth(ctx, s, o, seen)
	case key != "":
		u.auth = keyAuth{key: key}
	case s.Kind == Foundry && o.entra != nil:
		u.auth = tokenAuth{what: "Entra ID token", token: o.entra, seen: seen}
	case s.Kind == Foundry:
		err = fmt.Errorf("%w: upstream %q: foundry needs a key (%s) or WithEntraToken", ErrAuth, name, keyEnvs(s)[0])
	case s.Kind == Anthropic:
		err = fmt.Errorf("%w: upstream %q: needs a key ($%s is not set)", ErrAuth, name, keyEnvs(s)[0])
	default:
		u.auth = noAuth{}
	}
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", name, err)
	}
	return u, nil
}

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Kind returns the upstream's kind.
func (u *Upstream) Kind() Kind { return u.s.Kind }

// ModelID returns this upstream's id for the first-party model name model,
// and whether this upstream serves it (see Settings.Models).
func (u *Upstream) ModelID(model string) (id string, ok bool) {
	if u.s.Models == nil {
		return model, u.s.Kind.identityModels() && model != ""
	}
	id, ok = u.s.Models[model]
	return id, ok
}

// Check returns nil when this upstream can serve a call of op for model
// (the first-party name; ignored but for messages and count_tokens) with
// the anthropic-beta values betas and the request body body, else an
// *Unsupported saying why: the model is not mapped, the op is not served
// (count_tokens not on bedrock or foundry; models, batches, files and other
// paths only on anthropic), or a top-level body field or a beta is one the
// kind cannot take (see the deny table in check.go).
func (u *Upstream) Check(op Op, model string, betas []string, body []byte) error {
	_, mapped := u.ModelID(model)
	if reason := checkRequest(u.s.Kind, op, model, mapped, betas, body); reason != "" {
		return &Unsupported{Upstream: u.name, Reason: reason}
	}
	return nil
}

// NewRequest returns the outgoing request of a Messages (OpMessages) or
// count_tokens (OpCountTokens) call for this upstream: model is the
// first-party model name, stream whether the client asked for a stream,
// body the client's body and h its headers (as the caller forwards them).
//
// The URL puts the model id into the path where the kind wants it; the
// body is translated byte-preservingly (see translateBody); of h, hop-by-hop
// headers, Host, Content-Length, X-Api-Key and Authorization are dropped,
// anthropic-version (Bedrock, Vertex) and anthropic-beta (Bedrock) move
// into the body, and aws gets anthropic-workspace-id; then the
// upstream's credentials are added (x-api-key, SigV4, a bearer key, a Google
// or Entra token). A call Check refuses gets its *Unsupported; a credential
// that cannot be had, an error wrapping ErrAuth. The request's body can be
// got again (GetBody) for a retry, which must call NewRequest again when
// signed: SigV4 signatures and tokens expire.
func (u *Upstream) NewRequest(ctx context.Context, op Op, model string, stream bool, body []byte, h http.Header) (*http.Request, error) {
	if op != OpMessages && op != OpCountTokens {
		return nil, fmt.Errorf("provider: NewRequest builds messages and count_tokens calls, not %s: use NewPathRequest", op)
	}
	betas := splitBetas(h.Values("Anthropic-Beta"))
	if err := u.Check(op, model, betas, nil); err != nil {
		return nil, err
	}
	id, _ := u.ModelID(model)
	out, err := translateBody(u.s.Kind, op, body, id, betas)
	if err != nil {
		return nil, err
	}
	target, err := endpointURL(u.s.Kind, u.s.BaseURL, u.s.Project, u.s.Region, op, id, stream)
	if err != nil {
		return nil, fmt.Errorf("provider: upstream %q: URL: %w", u.name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	req.Header = outgoingHeader(u.s, h, stream)
	if err := u.auth.authorize(ctx, req, out); err != nil {
		return nil, fmt.Errorf("upstream %q: %w", u.name, err)
	}
	return req, nil
}

// NewPathRequest returns a request of method to path (absolute, escaped,
// may carry a query: "/v1/models?limit=5") on this upstream's base URL,
// with body (nil for none) and the client's headers h filtered and
// authorized as by NewRequest: the other ops of the first-party API
// (models, batches, files, other paths), which need a method and a path
// rather than a model. Only the first-party-wire kinds take it; Check says
// which of them serve which op.
func (u *Upstream) NewPathRequest(ctx context.Context, method, path string, body []byte, h http.Header) (*http.Request, error) {
	if !u.s.Kind.firstPartyWire() {
		return nil, &Unsupported{Upstream: u.name, Reason: "paths not served"}
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("provider: path %q is not absolute", path)
	}
	target, err := joinURL(u.s.BaseURL, path)
	if err != nil {
		return nil, fmt.Errorf("provider: upstream %q: URL: %w", u.name, err)
	}
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := newRequest(ctx, method, target.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header = outgoingHeader(u.s, h, false)
	if body == nil {
		req.Header.Del("Content-Type")
	}
	if err := u.auth.authorize(ctx, req, body); err != nil {
		return nil, fmt.Errorf("upstream %q: %w", u.name, err)
	}
	return req, nil
}

// newRequest is http.NewRequestWithContext with a nil *bytes.Reader taken
// as no body.
func newRequest(ctx context.Context, method, target string, body *bytes.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, target, nil)
	}
	return http.NewRequestWithContext(ctx, method, target, body)
}

// dropped are the client headers never sent upstream: hop-by-hop ones,
// those the transport sets, and the client's credentials.
var dropped = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authorization": true,
	"Transfer-Encoding": true, "Te": true, "Trailer": true, "Upgrade": true,
	"Host": true, "Content-Length": true, "X-Api-Key": true, "Authorization": true, "Cookie": true,
}

// outgoingHeader is the pure part of NewRequest's headers: h filtered for
// an upstream with settings s.
func outgoingHeader(s Settings, h http.Header, stream bool) http.Header {
	out := make(http.Header, len(h)+3)
	for k, vv := range h {
		ck := http.CanonicalHeaderKey(k)
		if dropped[ck] {
			continue
		}
		if (s.Kind == Bedrock || s.Kind == Vertex) && ck == "Anthropic-Version" {
			continue // in the body
		}
		if s.Kind == Bedrock && ck == "Anthropic-Beta" {
			continue // in the body
		}
		out[ck] = append([]string(nil), vv...)
	}
	out.Set("Content-Type", "application/json")
	switch {
	case s.Kind == Bedrock && stream:
		out.Set("Accept", "application/vnd.amazon.eventstream")
	case s.Kind == Bedrock:
		out.Set("Accept", "application/json")
	case s.Kind.firstPartyWire() && out.Get("Anthropic-Version") == "":
		out.Set("Anthropic-Version", "2023-06-01")
	}
	if s.Kind == AWS {
		out.Set("Anthropic-Workspace-Id", s.WorkspaceID)
	}
	return out
}
