package provider

import (
	"context"
	"net/http"
	"os"
	"time"
)

// Option configures New.
type Option func(*options)

type options struct {
	hc    *http.Client
	hcSet bool // WithHTTPClient was given
	env   func(string) string
	sink  func(string)
	now   func() time.Time
	entra func(context.Context) (string, error)
}

// WithHTTPClient sets the client used for token fetches and credential
// endpoints (Google's token endpoint and metadata server, AWS STS, SSO and
// instance metadata). Default http.DefaultClient for Google, and the AWS
// SDK's own client for AWS (which honours AWS_CA_BUNDLE; the AWS SDK
// refuses a plain *http.Client while AWS_CA_BUNDLE is set). It does not
// send the upstream calls: NewRequest only builds them.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.hc, o.hcSet = c, c != nil }
}

// WithEnv sets how environment variables are read (default os.Getenv):
// API keys, AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
// AWS_SESSION_TOKEN, GOOGLE_APPLICATION_CREDENTIALS. The rest of the AWS
// and Google credential chains read the process environment themselves.
func WithEnv(env func(string) string) Option { return func(o *options) { o.env = env } }

// WithSecretSink sets a function called with every credential value the
// upstream holds or obtains — API keys, the AWS secret key and session
// token each time they are (re)loaded, each Google access token when it is
// fetched, a Google credentials file's private key or refresh token, each
// Entra token — before it is first sent, so that the caller can redact it
// (DESIGN §7). It may be called from any goroutine. Default: none.
func WithSecretSink(sink func(secret string)) Option { return func(o *options) { o.sink = sink } }

// WithClock sets the clock of SigV4 signing times (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithEntraToken sets how a foundry upstream gets a Microsoft Entra ID
// access token (scope https://ai.azure.com/.default), sent as a bearer
// token when no API key is found — as the SDK's
// foundry.ClientConfig.AzureADTokenProvider; adapt an azidentity
// credential. It is called for every request, so it should cache.
func WithEntraToken(token func(ctx context.Context) (string, error)) Option {
	return func(o *options) { o.entra = token }
}

func newOptions(opts []Option) options {
	o := options{hc: http.DefaultClient, env: os.Getenv, sink: func(string) {}, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.hc == nil {
		o.hc = http.DefaultClient
	}
	if o.env == nil {
		o.env = os.Getenv
	}
	if o.sink == nil {
		o.sink = func(string) {}
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}
