package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/sim"
)

// Config configures [Run]. Zero fields take their defaults.
type Config struct {
	// Duration is how long traffic is sent; the incident is scaled to it.
	// Default 45 s.
	Duration time.Duration
	// RPS is the requests sent per second to each side, open loop (on
	// schedule, whether or not earlier requests have ended). Default 8.
	RPS float64
	// Seed seeds both simulators (fault draws and answer texts).
	Seed int64
	// GiveUp is how long a user waits for a reply before giving up (the
	// request is then blank, and cancelled). Default 10 s.
	GiveUp time.Duration
	// Grace is how long requests still waiting when the traffic stops may
	// take to end before they are cancelled and count as blank. Default 2 s.
	// The run also waits for bulwark's requests in flight, which its 4 s
	// deadline bounds.
	Grace time.Duration
	// Prices prices the tokens used. Default catalog.DefaultPrices().
	Prices catalog.Prices
	// Messages are bulwark's texts for users; default bulwark.DefaultMessages().
	Messages bulwark.Messages

	// Progress receives the live display; nil for none.
	Progress io.Writer
	// Terminal redraws the live display in place (Progress is a terminal);
	// otherwise it prints a plain line at each phase and every ProgressEvery.
	Terminal bool
	// Width is the terminal's width in columns; 0 for unknown.
	Width int
	// ProgressEvery is the period of the plain lines; default Duration/9,
	// within 1..5 s.
	ProgressEvery time.Duration
	// Providers plays the incident on the Anthropic API only and gives
	// bulwark a second provider, Bedrock, serving the primary model
	// (ProviderIncident, DESIGN §13).
	Providers bool
}

func (c Config) withDefaults() Config {
	if c.Duration == 0 {
		c.Duration = 45 * time.Second
	}
	if c.RPS == 0 {
		c.RPS = 8
	}
	if c.GiveUp == 0 {
		c.GiveUp = 10 * time.Second
	}
	if c.Grace == 0 {
		c.Grace = 2 * time.Second
	}
	if c.Prices == nil {
		c.Prices = catalog.DefaultPrices()
	}
	if c.Messages == (bulwark.Messages{}) {
		c.Messages = bulwark.DefaultMessages()
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = min(max(c.Duration/9, time.Second), 5*time.Second)
	}
	return c
}

// Validate reports a setting Run cannot use.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Duration < time.Second:
		return fmt.Errorf("duration %s is too short: at least 1s", c.Duration)
	case !(c.RPS > 0) || c.RPS > 1000:
		return fmt.Errorf("rps %g is outside 0..1000", c.RPS)
	case c.Duration.Seconds()*c.RPS < 1:
		return fmt.Errorf("duration %s at %g requests/s sends no request", c.Duration, c.RPS)
	case c.GiveUp < 0 || c.Grace < 0:
		return errors.New("give-up and grace must not be negative")
	}
	return nil
}

// The bulwark side's settings: the interactive profile scaled to the demo's
// short phases.
const (
	demoDeadline       = 4 * time.Second
	demoAttemptTimeout = 1500 * time.Millisecond
	demoMaxTokens      = 256
)

// demoBreaker opens a model's breaker when at least half of 5 or more calls
// within 5 s failed, for total/15 within 1..3 s (3 s in the 45 s run). A
// failure ratio rather than a count keeps a model that fails now and then
// (and is retried) in use, while a dead one is skipped within a second.
func demoBreaker(total time.Duration) breaker.Settings {
	return breaker.Settings{
		FailureRatio: 0.5, MinRequests: 5, Window: 5 * time.Second,
		OpenFor: min(max(total/15, time.Second), 3*time.Second),
	}
}

// prompts are what the demo's users ask, in turn.
var prompts = []string{
	"Where is my order 4417? It was due yesterday.",
	"Can I change the delivery address on my last order?",
	"How do I reset my password?",
	"Summarise my last three invoices.",
	"Is the blue backpack back in stock?",
	"Cancel my subscription at the end of the month, please.",
	"Why was I charged twice this week?",
	"What is your refund policy for opened items?",
	"Translate my shipping label into Spanish.",
	"Recommend a gift under 40 euros for a hiker.",
	"My discount code SPRING10 does not work.",
	"When does the store open on Sunday?",
}

// Run plays the demo: two simulators with the same incident and seed, the
// same open-loop traffic through the plain SDK and through bulwark, each
// request judged from its user's side. It returns after cfg.Duration plus
// cfg.Grace at most (or the few seconds bulwark's requests sent last still
// need, within its deadline), or early when ctx is cancelled (the result then
// says Interrupted and holds what was seen).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	phases := cfg.incident()
	simOpts := []sim.Option{sim.WithScript(Script(phases)), sim.WithSeed(cfg.Seed)}
	t0 := time.Now()
	plainSim, plainURL, stopPlain, err := sim.Start(simOpts...)
	if err != nil {
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	defer stopPlain()
	guardSim, guardURL, stopGuard, err := sim.Start(simOpts...)
	if err != nil {
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	defer stopGuard()

	plainMeter, guardMeter := newMeter(), newMeter()
	// The plain client as most tutorials write it: the SDK's defaults (2
	// retries, a 10-minute timeout), one model. The middleware only reads
	// the usage of answers, to price them.
	plain := anthropic.NewClient(option.WithBaseURL(plainURL), option.WithAPIKey("demo"),
		option.WithMiddleware(plainMeter.middleware))
	changes := &breakerLog{t0: t0}
	guard, err := newGuard(cfg, guardURL, guardMeter, changes.observe)
	if err != nil {
		return nil, err
	}

	tr := newTraffic(cfg, phases, t0, &plain, guard)
	stopLive := tr.live()
	interrupted := tr.run(ctx)
	stopLive()

	res := &Result{
		Duration:    cfg.Duration,
		RPS:         cfg.RPS,
		Seed:        cfg.Seed,
		GiveUp:      cfg.GiveUp,
		Interrupted: interrupted,
		Phases:      phases,
		Plain: Side{Name: "plain SDK", Requests: tr.plainReqs[:tr.sent],
			UpstreamCalls: plainSim.Stats().Requests, Usage: plainMeter.snapshot()},
		Bulwark: Side{Name: "bulwark", Requests: tr.guardReqs[:tr.sent],
			UpstreamCalls: guardSim.Stats().Requests, Usage: guardMeter.snapshot()},
		Breaker: changes.snapshot(),
		Prices:  cfg.Prices,
	}
	stopPlain()
	stopGuard()
	res.Elapsed = time.Since(t0)
	return res, nil
}

// newGuard builds the bulwark side: the demo's chain, deadline, attempts and
// breaker against the simulator at baseURL, its answers' usage read by meter
// and its breaker changes told to observe.
func newGuard(cfg Config, baseURL string, meter *meter, observe func(breaker.Change)) (*bulwark.Guard, error) {
	return bulwark.New(append(cfg.upstreams(baseURL),
		bulwark.WithBaseURL(baseURL),
		bulwark.WithAPIKey("demo"),
		bulwark.WithChain(cfg.chain()...),
		bulwark.WithDeadline(demoDeadline),
		bulwark.WithAttempts(3),
		bulwark.WithAttemptTimeout(demoAttemptTimeout),
		bulwark.WithBackoff(backoff.Policy{Initial: 100 * time.Millisecond, Max: time.Second}),
		bulwark.WithBreaker(demoBreaker(cfg.Duration)),
		bulwark.WithMessages(cfg.Messages),
		bulwark.WithLogger(slog.New(slog.DiscardHandler)),
		bulwark.WithRequestOptions(option.WithMiddleware(meter.middleware)),
		bulwark.WithBreakerObserver(observe),
	)...)
}

// breakerLog records the breaker changes bulwark reports, at their offset
// from t0. It is safe for concurrent use.
type breakerLog struct {
	t0      time.Time
	mu      sync.Mutex
	changes []BreakerChange
}

func (l *breakerLog) observe(c breaker.Change) {
	l.mu.Lock()
	l.changes = append(l.changes, BreakerChange{At: c.At.Sub(l.t0), Model: c.Model, From: c.From.String(), To: c.To.String()})
	l.mu.Unlock()
}

func (l *breakerLog) snapshot() []BreakerChange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]BreakerChange(nil), l.changes...)
}

// settle waits for the requests in flight after the traffic stopped: until
// all have ended; or until grace has passed and bulwark has none left (its
// deadline bounds them, so none of its users is left blank by the run's
// end); or until hardStop, a safety net. It returns false if ctx was
// cancelled first.
func settle(ctx context.Context, ended <-chan struct{}, grace, hardStop time.Time, counts *tally) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ended:
			return true
		case <-ctx.Done():
			return false
		case now := <-tick.C:
			_, _, _, bw := counts.state()
			if now.After(hardStop) || (now.After(grace) && bw == 0) {
				return true
			}
		}
	}
}

// askPlain sends one user message through the plain SDK and judges it.
func askPlain(parent context.Context, c *anthropic.Client, giveUp time.Duration, prompt string) Request {
	ctx, cancel := context.WithTimeout(parent, giveUp)
	defer cancel()
	begin := time.Now()
	msg, err := c.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     Primary,
		MaxTokens: demoMaxTokens,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))},
	})
	took := time.Since(begin)
	var text strings.Builder
	if err == nil && msg != nil {
		for _, b := range msg.Content {
			if b.Type == "text" {
				text.WriteString(b.Text)
			}
		}
	}
	r := Request{Took: took, Verdict: PlainVerdict(text.String(), err, ctx.Err() != nil)}
	if r.Verdict == Answered {
		r.Model = string(msg.Model)
	}
	return r
}

// askBulwark sends one user message through the Guard's Handle and judges it.
func askBulwark(parent context.Context, g *bulwark.Guard, giveUp time.Duration, prompt, user string) Request {
	ctx, cancel := context.WithTimeout(parent, giveUp)
	defer cancel()
	begin := time.Now()
	resp := g.Handle(ctx, bulwark.Request{Message: prompt, UserID: user, MaxTokens: demoMaxTokens})
	r := Request{Took: time.Since(begin), Verdict: BulwarkVerdict(resp, ctx.Err() != nil)}
	if r.Verdict == Answered {
		r.Model, r.Fallback = resp.ModelUsed, resp.IsFallback
	}
	return r
}
