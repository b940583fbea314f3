package gateway

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// WithConfig applies the gateway's part of a configuration file: upstream
// (when set), chains, upstreams, profiles, messages, cache.enabled, client keys and the
// admin key (each read from its environment variable; an unset or empty one
// makes New fail). The userinfo of the Redis URL is registered as a secret
// (WithSecrets). Breakers and the retry budget belong to the engine: build it with
// NewEngine. Options after WithConfig override it.
func WithConfig(c config.Config) Option {
	return func(s *settings) {
		if c.Upstream != "" {
			s.upstream = c.Upstream
		}
		if len(c.Chains) > 0 {
			s.chains = c.Chains
		}
		if len(c.Upstreams) > 0 {
			s.upstreams = c.Upstreams
		}
		if len(c.Profiles) > 0 {
			s.profiles = make(map[string]engine.Profile, len(c.Profiles))
			for name, p := range c.Profiles {
				s.profiles[name] = Profile(name, p)
			}
		}
		WithMessages(Messages(c.Messages))(s)
		s.cache = c.Cache.Enabled
		s.secrets = append(s.secrets, redact.URLSecrets(c.Redis)...)
		for _, cl := range c.Clients {
			key := os.Getenv(cl.KeyEnv)
			if key == "" {
				s.errs = append(s.errs, fmt.Errorf("gateway: client key variable $%s is not set", cl.KeyEnv))
				continue
			}
			s.clients = append(s.clients, ClientKey{Key: key, User: cl.User})
		}
		if e := c.AdminKeyEnv; e != "" {
			if s.adminKey = os.Getenv(e); s.adminKey == "" {
				s.errs = append(s.errs, fmt.Errorf("gateway: admin key variable $%s is not set", e))
			}
		}
	}
}

// Profile converts a configured profile into the engine's.
func Profile(name string, p config.Profile) engine.Profile {
	j := backoff.Full
	if p.Backoff.Jitter == config.JitterDecorrelated {
		j = backoff.Decorrelated
	}
	return engine.Profile{
		Name:              name,
		Attempts:          p.Attempts,
		PrimaryAttempts:   p.PrimaryAttempts,
		Backoff:           backoff.Policy{Initial: p.Backoff.Initial.Std(), Max: p.Backoff.Max.Std(), Jitter: j},
		Deadline:          p.Deadline.Std(),
		AttemptTimeout:    p.AttemptTimeout.Std(),
		FirstTokenTimeout: p.FirstTokenTimeout.Std(),
		IdleTimeout:       p.IdleTimeout.Std(),

		FallbackReserve:    p.FallbackReserve.Std(),
		MinFallbackReserve: p.MinFallbackReserve.Std(),
		MinAttempt:         p.MinAttempt.Std(),
		Hedge:              p.Hedge.Engine(),
	}
}

// NewTracer returns the tracer of c's gateway and engine over tp
// (tracing.New): each attempt's gen_ai.provider.name follows the kind of
// its upstream in c.Upstreams (tracing.ProviderName). It returns nil (no
// traces) when tp is nil; mind that a nil *sdktrace.TracerProvider is not
// a nil interface.
func NewTracer(c config.Config, tp trace.TracerProvider) *tracing.Tracer {
	if tp == nil {
		return nil
	}
	kinds := make(map[string]string, len(c.Upstreams))
	for name, u := range c.Upstreams {
		kinds[name] = string(u.Kind)
	}
	return tracing.New(tp, tracing.WithProviderNames(func(up string) string {
		if up == "" {
			up = config.DefaultUpstream
		}
		return tracing.ProviderName(kinds[up])
	}))
}

// BreakerListener is told about model breaker changes and 429 cooldowns;
// *metrics.Metrics is one.
type BreakerListener interface {
	BreakerChanged(breaker.Change)
	CooldownStarted(model string, until time.Time)
}

// NewEngine builds the engine a gateway runs on from c: the model breakers
// (c.Breaker) and the retry budget (c.RetryBudget). Breaker changes and 429
// cooldowns are logged (breaker.state_change, cooldown.start), passed to
// every listener and, when st is not nil, shared with the other replicas
// through it; st's events from other replicas apply to the breakers, and st
// grants recovery probes fleet-wide (store.Shared.ProbeSlot). opts are added
// last (observer, clock).
func NewEngine(c config.Config, log *slog.Logger, st store.Shared, listeners []BreakerListener, opts ...engine.Option) *engine.Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := breaker.New(breaker.Settings{
		Failures:       c.Breaker.Failures,
		Window:         c.Breaker.Window.Std(),
		OpenFor:        c.Breaker.OpenFor.Std(),
		HalfOpenProbes: c.Breaker.HalfOpenProbes,
		FailureRatio:   c.Breaker.FailureRatio,
		MinRequests:    c.Breaker.MinRequests,
		// config's 0 turns probes off; the breaker's off is negative.
		RecoveryProbeInterval: cmp.Or(c.Breaker.RecoveryProbeInterval.Std(), -1),
	},
		breaker.WithOnChange(func(ch breaker.Change) {
			level := slog.LevelInfo
			if ch.To == breaker.Open {
				level = slog.LevelWarn
			}
			log.LogAttrs(context.Background(), level, "breaker.state_change", slog.String("model", ch.Model),
				slog.String("from", ch.From.String()), slog.String("to", ch.To.String()), slog.Bool("remote", ch.Remote))
			for _, l := range listeners {
				l.BreakerChanged(ch)
			}
			if st != nil && !ch.Remote {
				st.BreakerChanged(ch)
			}
		}),
		breaker.WithOnCooldown(func(model string, until time.Time) {
			log.LogAttrs(context.Background(), slog.LevelWarn, "cooldown.start", slog.String("model", model),
				slog.Time("until", until))
			for _, l := range listeners {
				l.CooldownStarted(model, until)
			}
			if st != nil {
				st.CooldownStarted(model, until)
			}
		}),
	)
	all := []engine.Option{
		engine.WithLogger(log),
		engine.WithBreakers(reg),
		engine.WithBudget(budget.New(c.RetryBudget.Ratio, float64(c.RetryBudget.MinPerSecond))),
	}
	if st != nil {
		st.Attach(reg)
		all = append(all, engine.WithProbeGate(st.ProbeSlot))
	}
	return engine.New(append(all, opts...)...)
}
