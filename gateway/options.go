package gateway

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/tracing"
)

// Defaults of a Server.
const (
	// DefaultUpstream is the Anthropic API.
	DefaultUpstream = "https://api.anthropic.com"
	// DefaultMaxBodyBytes is the largest request body accepted: 32 MiB, the
	// Messages API's own limit.
	DefaultMaxBodyBytes = 32 << 20
	// DefaultMaxResponseBytes bounds an upstream answer the gateway reads
	// whole (non-streamed): 64 MiB.
	DefaultMaxResponseBytes = 64 << 20
	// DefaultGrace is how long shutdown lets in-flight requests and streams
	// run before cutting them: 10 s.
	DefaultGrace = 10 * time.Second
	// ProfileHeader is the request header that picks a profile.
	ProfileHeader = "bulwark-profile"
	// UserHeader names the end user when the body's metadata.user_id does not.
	UserHeader = "bulwark-user-id"
)

// Messages are the texts people read on /v1/agent when no model answered.
type Messages struct {
	// Unavailable is the answer when every tier failed.
	Unavailable string
	// Timeout is the answer when the deadline ran out.
	Timeout string
	// Notice accompanies an answer from a fallback model.
	Notice string
}

// ClientKey is one key a client may present in x-api-key or
// Authorization: Bearer.
type ClientKey struct {
	// Key is the secret itself. It is never logged or echoed.
	Key string
	// User is the user id requests with this key count against when they
	// name none; "" means the key itself identifies the user (as a hash).
	User string
}

// Option configures a Server.
type Option func(*settings)

type mount struct {
	pattern string
	h       http.Handler
}

type settings struct {
	upstream     string
	apiKey       string
	chains       map[string][]config.Tier
	upstreams    map[string]config.Upstream
	profiles     map[string]engine.Profile
	engine       *engine.Engine
	store        store.Shared
	cache        bool
	messages     Messages
	clients      []ClientKey
	adminKey     string
	logger       *slog.Logger
	observer     Observer
	transport    http.RoundTripper
	mounts       []mount
	sections     map[string]func() any
	statusFields func() any
	grace        time.Duration
	maxBody      int64
	maxResponse  int64
	clock        clock.Clock
	readHeader   time.Duration
	readTimeout  time.Duration
	idleTimeout  time.Duration
	maxHeader    int
	errs         []error
	agentTokens  int
	secrets      []string
	redactor     *redact.Redactor
	tracer       *tracing.Tracer
}

// WithUpstream sets the base URL of the Messages API to call (no trailing
// /v1); default DefaultUpstream.
func WithUpstream(baseURL string) Option { return func(s *settings) { s.upstream = baseURL } }

// WithAPIKey sets the upstream key, sent as x-api-key on every upstream
// call. Default "": the client's own x-api-key and Authorization headers are
// passed through instead — unless client keys are configured (WithClientKeys),
// in which case a client's key is a gateway key and is never sent upstream.
func WithAPIKey(key string) Option { return func(s *settings) { s.apiKey = key } }

// WithChains maps a requested model to its tiers, in order: model names, then
// optionally "cache", then optionally "static"; the key "default" holds the
// chain used to resolve models no chain names (see config.Config.Chain). A
// model no chain names gets [model, static]. Every model tier is served by
// the default upstream; WithTiers also names other upstreams. Default:
// config.DefaultChains (Sonnet, Haiku, cache, static; Opus in front of them
// for requests that ask for Opus).
func WithChains(chains map[string][]string) Option {
	tiers := make(map[string][]config.Tier, len(chains))
	for name, names := range chains {
		tiers[name] = config.Tiers(names...)
	}
	return WithTiers(tiers)
}

// WithTiers is WithChains with tiers that may name the upstreams serving
// their model (config.Tier's Via, upstreams of WithUpstreams).
func WithTiers(chains map[string][]config.Tier) Option {
	return func(s *settings) { s.chains = chains }
}

// WithUpstreams sets the named upstreams that tiers with via go to (DESIGN
// §13), by name; "anthropic" is the default upstream (WithUpstream,
// WithAPIKey) whatever the map says of it. Keys are read from each
// upstream's api_key_env when New runs. Default: none but the default.
func WithUpstreams(ups map[string]config.Upstream) Option {
	return func(s *settings) { s.upstreams = ups }
}

// WithProfiles sets the timing profiles by name; the header bulwark-profile
// picks one, "interactive" when absent. Default: {"interactive":
// engine.Interactive(), "batch": engine.Batch()}. A profile's
// FirstTokenTimeout and IdleTimeout of 0 mean no bound.
func WithProfiles(p map[string]engine.Profile) Option { return func(s *settings) { s.profiles = p } }

// WithEngine sets the engine (model breakers, retry budget, engine logs and
// observer). Default: engine.New with the Server's logger.
func WithEngine(e *engine.Engine) Option { return func(s *settings) { s.engine = e } }

// WithTracer sets the tracer of the requests to /v1/messages and /v1/agent
// (DESIGN §9): a server span each, continuing the client's traceparent,
// parent of the spans of its attempts — which the engine makes when it has
// the same tracer (engine.WithTracer; NewTracer builds one for a config).
// Default nil: no spans, and nothing on the request path pays for them.
// When the Server builds its own engine (no WithEngine), it gives it t.
func WithTracer(t *tracing.Tracer) Option { return func(s *settings) { s.tracer = t } }

// WithStore sets the state shared with other replicas: per-user breakers and
// the cache tier. Default nil: no per-user breaker and no cache tier.
func WithStore(st store.Shared) Option { return func(s *settings) { s.store = st } }

// WithCache turns the cache tier on for chains that name "cache" (it needs a
// store too). Default false.
func WithCache(enabled bool) Option { return func(s *settings) { s.cache = enabled } }

// WithMessages sets the texts of /v1/agent; empty fields keep their defaults.
func WithMessages(m Messages) Option {
	return func(s *settings) {
		if m.Unavailable != "" {
			s.messages.Unavailable = m.Unavailable
		}
		if m.Timeout != "" {
			s.messages.Timeout = m.Timeout
		}
		if m.Notice != "" {
			s.messages.Notice = m.Notice
		}
	}
}

// WithClientKeys makes every /v1/* request present one of keys (x-api-key or
// Authorization: Bearer); others get 401 authentication_error. The admin
// paths also take the admin key (WithAdminKey). Default: none required.
func WithClientKeys(keys ...ClientKey) Option {
	return func(s *settings) { s.clients = append(s.clients, keys...) }
}

// WithAdminKey sets the admin key: besides the client keys, it opens the
// admin paths — GET /v1/status and every handler mounted with WithHandler
// (/metrics and the dashboard in bulwark serve) — but not the API. With
// client keys or an admin key configured, an admin path needs one of them in
// x-api-key or Authorization: Bearer, or the AdminCookie a browser gets by
// opening it once with ?key=KEY (answered with a redirect to the URL without
// it); otherwise 401 authentication_error. Default "": no admin key (and
// with no client keys either, the admin paths are open).
func WithAdminKey(key string) Option { return func(s *settings) { s.adminKey = key } }

// WithLogger sets the logger of the gateway's own lines
// (agent.request_complete, stream.stalled, ...); default discards. Keys and
// prompt text are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithObserver is told about every finished request (metrics).
func WithObserver(o Observer) Option { return func(s *settings) { s.observer = o } }

// WithTransport sets the round tripper of upstream calls; default a tuned
// *http.Transport shared by all requests (keep-alive, 256 idle connections
// per host, no transparent compression).
func WithTransport(rt http.RoundTripper) Option { return func(s *settings) { s.transport = rt } }

// WithHandler mounts h at pattern (http.ServeMux syntax, e.g.
// "GET /metrics"), for the observability package's /metrics and dashboard.
// Mounted handlers are admin paths: with client keys or an admin key
// configured they need a key (see WithAdminKey).
func WithHandler(pattern string, h http.Handler) Option {
	return func(s *settings) { s.mounts = append(s.mounts, mount{pattern, h}) }
}

// WithStatusSection adds a section to GET /v1/status: name maps to f(),
// encoded as JSON on each request (rates, spend, ...).
func WithStatusSection(name string, f func() any) Option {
	return func(s *settings) {
		if s.sections == nil {
			s.sections = map[string]func() any{}
		}
		s.sections[name] = f
	}
}

// WithStatusFields merges the JSON object f() returns into the top level of
// GET /v1/status (e.g. metrics.Metrics.Status: rates, series, spend). The
// gateway's own keys (breakers, store, chains, ...) win a clash.
func WithStatusFields(f func() any) Option { return func(s *settings) { s.statusFields = f } }

// WithGrace sets how long a shutdown lets in-flight requests and streams
// finish before cutting them; default 10 s.
func WithGrace(d time.Duration) Option { return func(s *settings) { s.grace = d } }

// WithMaxBodyBytes bounds request bodies; larger ones get 413
// request_too_large. Default 32 MiB.
func WithMaxBodyBytes(n int64) Option { return func(s *settings) { s.maxBody = n } }

// WithServerTimeouts sets the listener's ReadHeaderTimeout (default 10 s),
// ReadTimeout, which bounds reading a whole request with its body (default
// 60 s), and IdleTimeout between keep-alive requests (default 120 s).
// There is no write timeout: streams last as long as they need.
func WithServerTimeouts(readHeader, read, idle time.Duration) Option {
	return func(s *settings) { s.readHeader, s.readTimeout, s.idleTimeout = readHeader, read, idle }
}

// WithAgent sets the max_tokens of /v1/agent answers; default 1024.
func WithAgent(maxTokens int) Option { return func(s *settings) { s.agentTokens = maxTokens } }

// WithClock sets the Server's clock: the time of start-up checks (end-of-life
// warnings) and the clock of the engine it builds when WithEngine is not
// given. Default clock.Real. Stream and passthrough attempts time their
// first-token and idle bounds on the engine's clock (engine.WithClock), the
// one their attempt timeouts come from.
func WithClock(c clock.Clock) Option { return func(s *settings) { s.clock = c } }

// WithSecrets adds values the gateway never passes on or logs, besides the
// ones it knows (the upstream key, the client keys, the admin key, the
// userinfo of the upstream URL and, through WithConfig, of the Redis URL):
// a cloud credential, say. Each is replaced with "[redacted]" wherever an upstream
// echoes it — response headers, error bodies, SSE error events, log fields.
// Values shorter than 8 bytes are ignored (too likely in ordinary text).
func WithSecrets(secrets ...string) Option {
	return func(s *settings) { s.secrets = append(s.secrets, secrets...) }
}

// WithRedactor makes the Server register its secrets into r, which is
// shared with the caller's own output (cmd/bulwark wraps its log handler
// with it). Default: a redactor of the Server's own.
func WithRedactor(r *redact.Redactor) Option { return func(s *settings) { s.redactor = r } }
