package bulwark

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// DefaultChain is the chain a Guard uses unless told otherwise: Sonnet, then
// Haiku, then the static message: the gateway's default chain
// ([engine.DefaultTiers]) without its cache tier, which only the gateway
// serves.
var DefaultChain = slices.DeleteFunc(engine.DefaultTiers(), func(t string) bool { return t == engine.TierCache })

// Messages are the texts people read when no model could answer. Write them
// for your users; the defaults are plain and polite.
type Messages struct {
	// Unavailable is shown when every tier failed.
	Unavailable string
	// Timeout is shown when the deadline ran out.
	Timeout string
	// Notice accompanies an answer from a fallback model.
	Notice string
}

// DefaultMessages returns the default user-facing texts, the gateway's too
// (engine.DefaultUnavailableMessage, DefaultTimeoutMessage,
// DefaultNoticeMessage).
func DefaultMessages() Messages {
	return Messages{
		Unavailable: engine.DefaultUnavailableMessage,
		Timeout:     engine.DefaultTimeoutMessage,
		Notice:      engine.DefaultNoticeMessage,
	}
}

type settings struct {
	apiKey     string
	baseURL    string
	httpClient *http.Client
	reqOpts    []option.RequestOption
	chain      []string
	profile    engine.Profile
	breaker    breaker.Settings
	ratio      float64
	minPerSec  float64
	messages   Messages
	logger     *slog.Logger
	clock      clock.Clock
	observer   engine.Observer
	tracer     *tracing.Tracer // nil: no traces
	rnd        func() float64
	upstreams  map[string]upstreamSettings // see WithUpstream (upstream.go)

	// onBreakerChange: see WithBreakerObserver (observe.go).
	onBreakerChange func(breaker.Change)
}

// Option configures a Guard.
type Option func(*settings)

// WithAPIKey sets the Anthropic API key; default $ANTHROPIC_API_KEY (read by the SDK).
func WithAPIKey(key string) Option { return func(s *settings) { s.apiKey = key } }

// WithBaseURL points the Guard at another Messages API: a simulator, a proxy;
// default $ANTHROPIC_BASE_URL or the real API.
func WithBaseURL(url string) Option { return func(s *settings) { s.baseURL = url } }

// WithHTTPClient sets the HTTP client used for upstream calls.
func WithHTTPClient(c *http.Client) Option { return func(s *settings) { s.httpClient = c } }

// WithRequestOptions adds SDK request options (headers, middleware) to every call.
// Retry and timeout options are overridden: the Guard owns both.
func WithRequestOptions(opts ...option.RequestOption) Option {
	return func(s *settings) { s.reqOpts = append(s.reqOpts, opts...) }
}

// WithChain sets the tiers, primary first: model names, then optionally
// "static" (the friendly message used by Handle). Default DefaultChain. The
// rules are the gateway's (engine.CheckTiers), with at least one model and
// no "cache" tier, which only the gateway serves.
func WithChain(tiers ...string) Option { return func(s *settings) { s.chain = tiers } }

// WithProfile sets the whole timing profile; default engine.Interactive().
// Options after it (WithDeadline, WithAttempts, ...) adjust it.
func WithProfile(p engine.Profile) Option { return func(s *settings) { s.profile = p } }

// WithDeadline bounds every call, across all tiers; default 25s; 0 for none.
func WithDeadline(d time.Duration) Option { return func(s *settings) { s.profile.Deadline = d } }

// WithAttempts sets the attempts per model tier; default 3.
func WithAttempts(n int) Option { return func(s *settings) { s.profile.Attempts = n } }

// WithAttemptTimeout bounds one attempt; default 20s.
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) { s.profile.AttemptTimeout = d }
}

// WithStreamTimeouts sets the stream's first-token timeout (from attempt start
// to the first text; default 10s) and idle timeout (longest gap between events
// after it; default 30s). 0 sets no bound: the attempt timeout still bounds
// the wait for the first text, nothing bounds the gaps after it — the meaning
// the gateway's first_token_timeout and idle_timeout give 0 too.
func WithStreamTimeouts(firstToken, idle time.Duration) Option {
	return func(s *settings) { s.profile.FirstTokenTimeout, s.profile.IdleTimeout = firstToken, idle }
}

// WithHedge hedges late first tokens of Stream calls (DESIGN §14): when an
// attempt has no first text after after, a second attempt starts on the next
// deployment or tier; the first to start answering wins and the other is
// cancelled at once. after 0 follows the deployment's recent p95 time to
// first token (at least engine.MinHedgeAfter, 100ms; engine.DefaultHedgeAfter,
// 2s, before any was measured). max is the number of hedges per call; each
// takes a retry-budget token. Default off (max 0). Handle is never hedged.
func WithHedge(after time.Duration, max int) Option {
	return func(s *settings) { s.profile.Hedge = engine.Hedge{After: after, Max: max} }
}

// WithFallbackReserve sets the time a tier keeps back for the next model tier
// before that tier has any measured attempt (default 8s), and the least it
// ever keeps back (default 2s); once the next tier has answered, the reserve
// is the p90 of its recent answers (streams: time to first token), clamped
// to [minReserve, attempt timeout]. A zero keeps the default.
func WithFallbackReserve(reserve, minReserve time.Duration) Option {
	return func(s *settings) { s.profile.FallbackReserve, s.profile.MinFallbackReserve = reserve, minReserve }
}

// WithMinAttempt sets the least attempt time a retry must get, after its
// wait and the fallback reserve, to be made; default 2s.
func WithMinAttempt(d time.Duration) Option { return func(s *settings) { s.profile.MinAttempt = d } }

// WithBackoff sets the wait between attempts on one tier; default 1s..60s, full jitter.
func WithBackoff(p backoff.Policy) Option { return func(s *settings) { s.profile.Backoff = p } }

// WithBreaker sets the per-model breaker; default 5 failures in 30s open it
// for 30s, and one recovery probe a second while every model is skipped. A
// zero b.RecoveryProbeInterval keeps what [WithRecoveryProbes] set.
func WithBreaker(b breaker.Settings) Option {
	return func(s *settings) {
		if b.RecoveryProbeInterval == 0 {
			b.RecoveryProbeInterval = s.breaker.RecoveryProbeInterval
		}
		s.breaker = b
	}
}

// WithRecoveryProbes sets how often, at most, a model whose breaker is open
// gets one request as a recovery probe when every model of the chain was
// skipped (DESIGN §4); a probe that succeeds closes the breaker at once
// instead of after its open period. Default 1s
// (breaker.DefaultRecoveryProbeInterval); 0 or negative turns probes off.
func WithRecoveryProbes(interval time.Duration) Option {
	return func(s *settings) {
		if interval <= 0 {
			interval = -1
		}
		s.breaker.RecoveryProbeInterval = interval
	}
}

// WithRetryBudget caps retries process-wide at ratio of first attempts plus
// minPerSecond retries a second (over a 10 s window); default 0.2 and 10. A
// zero keeps the default; a negative value means none of that part.
func WithRetryBudget(ratio, minPerSecond float64) Option {
	return func(s *settings) { s.ratio, s.minPerSec = ratio, minPerSecond }
}

// WithMessages sets the texts people read when no model answered.
func WithMessages(m Messages) Option { return func(s *settings) { s.messages = m } }

// WithLogger sets the logger; default slog.Default(). Keys and prompt text are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithObserver receives every attempt, retry, skip and fallback (for metrics).
func WithObserver(o engine.Observer) Option { return func(s *settings) { s.observer = o } }

// WithTracerProvider traces every upstream attempt (DESIGN §9): an
// OpenTelemetry client span each, "chat {model}", a child of the span in
// the call's context, with the GenAI conventions' gen_ai.* attributes
// (provider, request and response model, response id, usage, finish
// reasons) and bulwark.* ones (upstream, status, class, wait, retry,
// fallback, hedge). opts name the provider of the WithUpstream places
// (tracing.WithProviderNames; default "anthropic"). Default: none, and a
// nil tp (mind a typed nil pointer) keeps it so; no span costs anything
// then.
func WithTracerProvider(tp trace.TracerProvider, opts ...tracing.Option) Option {
	return func(s *settings) { s.tracer = tracing.New(tp, opts...) }
}

// WithClock sets the clock the Guard waits and reads time on: backoff and
// retry-after waits, the deadline, the breakers' open period and the retry
// budget's window; default clock.Real, the wall clock. Tests pass a
// *clock.Fake and move time with Advance. An attempt's own timeout is also
// enforced on the HTTP call's context, on the wall clock.
func WithClock(c clock.Clock) Option { return func(s *settings) { s.clock = c } }

// WithJitterSource sets the source of backoff jitter, uniform in [0,1) (tests).
func WithJitterSource(f func() float64) Option { return func(s *settings) { s.rnd = f } }
