package bulwark

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// Outcome says how a call went: which model answered, whether it was a
// fallback, every attempt made and why each failed.
type Outcome = engine.Report

// Guard makes resilient Messages API calls. It is safe for concurrent use;
// share one per process so that breakers and the retry budget see all traffic.
type Guard struct {
	client   anthropic.Client
	places   map[string]place // the upstreams of WithUpstream, by name
	traced   bool             // WithTracerProvider: attempts have spans
	eng      *engine.Engine
	chain    engine.Chain
	profile  engine.Profile
	messages Messages
	log      *slog.Logger
}

// New returns a Guard. With no options it calls the real API with
// $ANTHROPIC_API_KEY over DefaultChain with the interactive profile. It fails
// with ErrNoCredentials when it would call the real API with no credentials.
func New(opts ...Option) (*Guard, error) {
	s := defaultSettings()
	for _, o := range opts {
		o(&s)
	}
	chain, err := parseChain(s.chain)
	if err != nil {
		return nil, err
	}
	s.redactLogger()
	var base []option.RequestOption // what every upstream's client shares
	if s.httpClient != nil {
		base = append(base, option.WithHTTPClient(s.httpClient))
	}
	places, err := newPlaces(&s, &chain, base)
	if err != nil {
		return nil, err
	}
	reqOpts := []option.RequestOption{}
	if s.apiKey != "" {
		reqOpts = append(reqOpts, option.WithAPIKey(s.apiKey))
	}
	if s.baseURL != "" {
		reqOpts = append(reqOpts, option.WithBaseURL(s.baseURL))
	}
	if s.httpClient != nil {
		reqOpts = append(reqOpts, option.WithHTTPClient(s.httpClient))
	}
	reqOpts = append(reqOpts, s.reqOpts...)
	// The engine owns retries: the SDK would otherwise retry every call 3
	// times on its own (retries would multiply). Each call also gets an
	// explicit per-attempt timeout instead of the SDK's 10 minutes.
	reqOpts = append(reqOpts, option.WithMaxRetries(0))

	client := anthropic.NewClient(reqOpts...)
	if err := checkCredentials(&s, &client); err != nil {
		return nil, err
	}
	for _, w := range catalog.Warnings(chain.Models, s.clock.Now(), catalog.DefaultWarnWithin) {
		s.logger.Warn("model.end_of_life", slog.String("model", w.Model), slog.String("successor", w.Successor),
			slog.Bool("retired", w.Retired), slog.String("message", w.Message))
	}
	return &Guard{
		client:   client,
		places:   places,
		traced:   s.tracer != nil,
		eng:      s.newEngine(chain),
		chain:    chain,
		profile:  s.profile,
		messages: s.messages,
		log:      s.logger,
	}, nil
}

// redactLogger sets s.logger (default slog.Default()) behind a redactor:
// no key, token or URL password in any log line, even when an upstream
// echoes one back in its error message.
func (s *settings) redactLogger() {
	if s.logger == nil {
		s.logger = slog.Default()
	}
	red := redact.New(s.apiKey, os.Getenv("ANTHROPIC_API_KEY"), os.Getenv("ANTHROPIC_AUTH_TOKEN"))
	red.Add(redact.URLSecrets(s.baseURL)...)
	red.Add(redact.URLSecrets(os.Getenv("ANTHROPIC_BASE_URL"))...)
	s.logger = slog.New(red.Handler(s.logger.Handler()))
}

// newEngine returns the engine of s over chain: its clock, logger,
// breakers, retry budget, observer and jitter. Every face of the library
// (a Guard, a Middleware) runs its calls on one built here.
func (s *settings) newEngine(chain engine.Chain) *engine.Engine {
	opts := []engine.Option{
		engine.WithClock(s.clock),
		engine.WithLogger(s.logger),
		engine.WithBreakers(breaker.New(s.breaker, breaker.WithClock(s.clock), breaker.WithOnChange(s.onBreakerChange),
			breaker.WithModels(chain.Keys()...))),
		engine.WithBudget(budget.New(s.ratio, s.minPerSec, budget.WithClock(s.clock))),
	}
	if s.observer != nil {
		opts = append(opts, engine.WithObserver(s.observer))
	}
	if s.tracer != nil {
		opts = append(opts, engine.WithTracer(s.tracer))
	}
	if s.rnd != nil {
		opts = append(opts, engine.WithRand(s.rnd))
	}
	return engine.New(opts...)
}

// defaultSettings are a Guard's settings before its options: every value
// comes from the package that owns it, as the gateway's defaults do
// (config.Default); defaults_test.go holds the two faces to it.
func defaultSettings() settings {
	return settings{
		chain:     DefaultChain,
		profile:   engine.Interactive(),
		ratio:     budget.DefaultRatio,
		minPerSec: budget.DefaultMinPerSecond,
		messages:  DefaultMessages(),
		clock:     clock.Real,
	}
}

// parseChain checks tiers under the one set of chain rules
// (engine.ParseChain) and what the library adds: a model tier, and no cache
// tier (the library keeps no cache).
func parseChain(tiers []string) (engine.Chain, error) {
	c, err := engine.ParseChain(tiers)
	switch {
	case err != nil:
		return c, fmt.Errorf("bulwark: chain: %w", err)
	case c.Cache:
		return c, errors.New("bulwark: chain: the cache tier is served by the gateway, not the library")
	case len(c.Models) == 0:
		return c, errors.New("bulwark: chain: needs at least one model")
	}
	return c, nil
}

// Breakers returns the Guard's model breakers, to inspect their state.
func (g *Guard) Breakers() *breaker.Registry { return g.eng.Breakers() }

// Messages sends params through the chain and returns the first good answer.
// params.Model is ignored: the chain's models are used in order. On failure
// the error is an *Error whose Reason says why and which wraps the last
// upstream error (an *anthropic.Error when the API answered).
func (g *Guard) Messages(ctx context.Context, params anthropic.MessageNewParams) (*anthropic.Message, Outcome, error) {
	out := engine.Run(ctx, g.eng, engine.Call[reply]{
		RequestID: requestID(ctx),
		Chain:     g.chain,
		Profile:   &g.profile,
		Do: func(ctx context.Context, a engine.Attempt) (reply, resultT) {
			p := params
			client, model := g.clientFor(a)
			p.Model = model
			actx, cancel := context.WithTimeout(ctx, a.Timeout)
			defer cancel()
			m, err := client.Messages.New(actx, p, option.WithRequestTimeout(a.Timeout))
			if err != nil {
				return reply{err: err}, resultOf(ctx, actx, err)
			}
			if g.traced {
				tracing.RecordMessage(trace.SpanFromContext(ctx), []byte(m.RawJSON()))
			}
			return reply{msg: m}, resultT{Status: 200}
		},
	})
	if out.Reason != engine.Answered {
		return nil, out.Report, &Error{Reason: out.Reason, Outcome: out.Report, Cause: out.Answer.err}
	}
	return out.Answer.msg, out.Report, nil
}

// reply is what one attempt of Messages brought back: the message, or the
// SDK's error (the Cause of an *Error when no tier answered).
type reply struct {
	msg *anthropic.Message
	err error
}

// Error is returned when no model tier answered.
type Error struct {
	// Reason says why: Rejected, Exhausted, DeadlineExceeded or Canceled.
	Reason engine.Reason
	// Outcome holds every attempt.
	Outcome Outcome
	// Cause is the last upstream error, if any.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Outcome.Err.Error())
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the engine's sentinel (engine.ErrExhausted, ...) and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Outcome.Err}
	}
	return []error{e.Outcome.Err, e.Cause}
}
