package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/headroom"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/tracing"
)

// ErrConfig wraps every error New returns about its options.
var ErrConfig = errors.New("gateway: bad configuration")

// Server is the gateway. Make one with New; it is safe for concurrent use.
type Server struct {
	set       settings
	eng       *engine.Engine
	store     store.Shared
	log       *slog.Logger
	obs       Observer
	tracer    *tracing.Tracer // nil: no traces
	rt        http.RoundTripper
	base      *url.URL // upstream base, path without a trailing slash
	msgURL    *url.URL // base + /v1/messages
	chainCfg  config.Config
	chains    map[string]*resolved // every requested model some chain names
	places    map[string]*place    // the named upstreams but the default (place.go)
	skipped   sync.Map             // (upstream, reason) pairs logged by skipOnce
	book      *headroom.Book       // the rate limits of steered deployments; nil when none is (steer.go)
	steered   map[string]bool      // the deployments of headroom tiers, by key
	profiles  map[string]*engine.Profile
	clients   map[[32]byte]string // sha256(key) -> user ("" = the key's hash)
	admin     adminKeys           // what opens the admin paths
	warnings  []catalog.Warning
	agentTier string
	mux       *http.ServeMux
	// red holds every configured secret (redact.go).
	red *redact.Redactor

	draining atomic.Bool
	bg       sync.WaitGroup // async cache writes
	cut      *streamCut     // the committed streams being forwarded, for shutdown
}

// resolved is a chain ready for the engine, with each model tier's JSON
// string precomputed for the body rewrite.
type resolved struct {
	chain engine.Chain
	// balanced are the ranges of chain.Models steered by headroom (steer.go).
	balanced [][2]int
	quoted   map[string][]byte
}

// New returns a Server configured by opts.
func New(opts ...Option) (*Server, error) {
	set := defaultSettings()
	for _, o := range opts {
		o(&set)
	}
	if len(set.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrConfig, errors.Join(set.errs...))
	}
	s := &Server{set: set, store: set.store, log: set.logger, obs: set.observer, cut: newStreamCut()}
	s.registerSecrets()
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.eng, s.tracer = set.engine, set.tracer
	if s.eng == nil {
		opts := []engine.Option{engine.WithLogger(s.log), engine.WithClock(set.clock)}
		if s.tracer != nil {
			opts = append(opts, engine.WithTracer(s.tracer))
		}
		s.eng = engine.New(opts...)
	}
	if err := s.setUpstream(); err != nil {
		return nil, err
	}
	if err := s.setPlaces(); err != nil {
		return nil, err
	}
	if err := s.resolveChains(); err != nil {
		return nil, err
	}
	s.setSteering()
	// The chains' models keep their breakers whatever model names clients
	// send (DESIGN §4).
	s.eng.Breakers().Reserve(s.chainCfg.Deployments()...)
	if err := s.setProfiles(); err != nil {
		return nil, err
	}
	if err := s.setKeys(); err != nil {
		return nil, err
	}
	s.warnEndOfLife()
	s.routes()
	return s, nil
}

// defaultSettings are a Server's settings before its options.
func defaultSettings() settings {
	return settings{
		upstream:    DefaultUpstream,
		chains:      config.Default().Chains,
		upstreams:   config.Default().Upstreams,
		profiles:    map[string]engine.Profile{config.ProfileInteractive: engine.Interactive(), config.ProfileBatch: engine.Batch()},
		messages:    Messages(config.Default().Messages),
		grace:       DefaultGrace,
		maxBody:     DefaultMaxBodyBytes,
		maxResponse: DefaultMaxResponseBytes,
		clock:       clock.Real,
		readHeader:  10 * time.Second,
		readTimeout: 60 * time.Second,
		idleTimeout: 120 * time.Second,
		maxHeader:   1 << 20,
		agentTokens: 1024,
	}
}

// setUpstream checks the upstream URL and sets the base of forwarded
// paths, the Messages URL and the round tripper (NewTransport unless
// WithTransport gave one, decoding gzip answers).
func (s *Server) setUpstream() error {
	u, err := baseURL(s.set.upstream)
	if err != nil {
		return fmt.Errorf("%w: upstream: %w", ErrConfig, err)
	}
	s.base, s.msgURL = u, messagesURL(u)
	rt := s.set.transport
	if rt == nil {
		rt = NewTransport()
	}
	s.rt = gunzipTransport{rt}
	return nil
}

// setProfiles names every profile and requires the interactive one.
func (s *Server) setProfiles() error {
	if _, ok := s.set.profiles[config.ProfileInteractive]; !ok {
		return fmt.Errorf("%w: no %q profile", ErrConfig, config.ProfileInteractive)
	}
	s.profiles = make(map[string]*engine.Profile, len(s.set.profiles))
	for name, p := range s.set.profiles {
		if p.Name == "" {
			p.Name = name
		}
		s.profiles[name] = &p
	}
	return nil
}

// setKeys indexes the client keys by their SHA-256 and builds the admin
// keys (the admin key and every client key).
func (s *Server) setKeys() error {
	if len(s.set.clients) > 0 {
		s.clients = make(map[[32]byte]string, len(s.set.clients))
		for _, c := range s.set.clients {
			if c.Key == "" {
				return fmt.Errorf("%w: empty client key", ErrConfig)
			}
			s.clients[sha256.Sum256([]byte(c.Key))] = c.User
		}
	}
	keys := []string{s.set.adminKey}
	for _, c := range s.set.clients {
		keys = append(keys, c.Key)
	}
	s.admin = newAdminKeys(keys...)
	return nil
}

// warnEndOfLife logs every chain model near or past its end of life, and
// keeps the warnings for /v1/status.
func (s *Server) warnEndOfLife() {
	s.warnings = catalog.Warnings(s.chainCfg.Models(), s.set.clock.Now(), catalog.DefaultWarnWithin)
	for _, w := range s.warnings {
		level := slog.LevelWarn
		if w.Retired {
			level = slog.LevelError
		}
		s.log.LogAttrs(context.Background(), level, "catalog.end_of_life", slog.String("model", w.Model),
			slog.String("successor", w.Successor), slog.Time("date", w.Date), slog.Bool("retired", w.Retired),
			slog.Bool("page", w.Retired), slog.String("message", w.Message))
	}
}

// resolveChains validates the chains and precomputes the chain of every
// requested model they name.
func (s *Server) resolveChains() error {
	s.chainCfg = config.Config{Chains: s.set.chains, Upstreams: s.set.upstreams}
	def := s.set.chains[config.DefaultChain]
	if len(def) == 0 {
		return fmt.Errorf("%w: no %q chain", ErrConfig, config.DefaultChain)
	}
	for name, tiers := range s.set.chains {
		c, err := config.EngineChain(tiers)
		if err != nil {
			return fmt.Errorf("%w: chain %q: %w", ErrConfig, name, err)
		}
		if err := s.checkDeployments(name, c); err != nil {
			return err
		}
	}
	s.chains = map[string]*resolved{}
	for name, tiers := range s.set.chains {
		names := append([]string{name}, config.Names(tiers)...)
		for _, n := range names {
			if n == config.TierCache || n == config.TierStatic || n == config.DefaultChain {
				continue
			}
			if _, done := s.chains[n]; !done {
				s.chains[n] = s.resolve(n)
			}
		}
	}
	c, err := engine.ParseChain(config.Names(def))
	if err != nil || len(c.Models) == 0 {
		return fmt.Errorf("%w: the %q chain names no model", ErrConfig, config.DefaultChain)
	}
	s.agentTier = c.Models[0]
	return nil
}

// chainFor returns the chain of a requested model.
func (s *Server) chainFor(model string) *resolved {
	if r, ok := s.chains[model]; ok {
		return r
	}
	return s.resolve(model)
}

func (s *Server) resolve(model string) *resolved {
	tiers := s.chainCfg.Chain(model)
	c, _ := config.EngineChain(tiers) // checked by resolveChains, or [model, static]
	if c.Cache && (!s.set.cache || s.store == nil) {
		c.Cache = false
	}
	r := &resolved{chain: c, balanced: config.Balanced(tiers), quoted: make(map[string][]byte, len(c.Models))}
	for _, m := range c.Models {
		r.quoted[m] = jsonscan.AppendString(nil, m)
	}
	return r
}

// Engine returns the engine the Server runs on (its breakers, its budget).
func (s *Server) Engine() *engine.Engine { return s.eng }

// Warnings returns the end-of-life warnings about the chains' models found
// at start-up (also logged then, as catalog.end_of_life).
func (s *Server) Warnings() []catalog.Warning { return s.warnings }

// Handler returns the Server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", s.handleMessages)
	mux.HandleFunc("POST /v1/agent", s.handleAgent)
	// The gateway's own endpoints answer other methods itself rather than
	// forwarding them upstream with the API key.
	mux.HandleFunc("/v1/messages", s.handleMethodNotAllowed("POST"))
	mux.HandleFunc("/v1/agent", s.handleMethodNotAllowed("POST"))
	mux.Handle("GET /v1/status", s.guardAdmin(http.HandlerFunc(s.handleStatus)))
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("/v1/", s.handlePassthrough)
	root := false
	for _, m := range s.set.mounts {
		mux.Handle(m.pattern, s.guardAdmin(m.h))
		root = root || m.pattern == "/"
	}
	if !root {
		mux.HandleFunc("/", s.handleNotFound)
	}
	s.mux = mux
}

// ListenAndServe listens on addr (host:port) and serves until ctx is done;
// see Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, reports not ready, lets in-flight requests and streams finish
// for up to the grace period (WithGrace, default 10 s), then cuts what is
// left: a stream still open gets an SSE error event first (its handler has up
// to 1 s to write it), then every connection closes. It returns nil after a
// shutdown, else the listener's error. Requests net/http cannot read
// (headers over 1 MiB, bad framing) get an Anthropic-shaped error in place
// of its plain-text one.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: s.set.readHeader,
		ReadTimeout:       s.set.readTimeout,
		IdleTimeout:       s.set.idleTimeout,
		MaxHeaderBytes:    s.set.maxHeader,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(errorListener{Listener: ln, s: s}) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "gateway.shutdown", slog.Int64("grace_ms", s.set.grace.Milliseconds()))
	sctx, cancel := context.WithTimeout(context.Background(), s.set.grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		// The grace is over: open streams end with an SSE error event, and
		// get a moment to send it and end cleanly before every connection
		// is closed.
		n := s.cut.cutAll()
		s.log.LogAttrs(context.Background(), slog.LevelWarn, "gateway.shutdown_cut", slog.String("error", err.Error()),
			slog.Int64("streams", n))
		cctx, ccancel := context.WithTimeout(context.Background(), cutWait)
		_ = hs.Shutdown(cctx)
		ccancel()
		_ = hs.Close()
	}
	<-served
	s.waitBackground(sctx)
	return nil
}

// waitBackground waits for async cache writes, at most until ctx is done.
func (s *Server) waitBackground(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
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
