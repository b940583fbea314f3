package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

// maxBody is the request size limit of the real Messages API (32 MB).
const maxBody = 32 << 20

// Server is the simulated Anthropic API. It implements http.Handler; make one
// with New (or Start, which also serves it on a loopback port). Its methods
// are safe for concurrent use.
type Server struct {
	clock      clock.Clock
	start      time.Time
	seed       int64
	tokenDelay time.Duration
	script     *Script
	limits     *limiter

	mu    sync.Mutex // guards rules, hits and rng
	rules []Rule
	// hits counts the requests each live rule matched (for Rule.Every);
	// phaseHits the same for each script phase's rules.
	hits      []uint64
	phaseHits [][]uint64
	rng       *rand.Rand

	stats  statsBook
	last   lastBodies   // see LastBody
	google googleAuth   // the access tokens issued by /_sim/google/token
	conns  atomic.Int64 // open client connections, see ConnState

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	active    atomic.Int64 // handlers running, for leak tests
}

// New returns a Server configured by opts. It does not listen anywhere: mount
// it in an http.Server or httptest.Server, or use Start.
func New(opts ...Option) *Server {
	cfg := config{clock: clock.Real}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.seeded {
		cfg.seed = rand.Int64()
	}
	if cfg.clock == nil {
		cfg.clock = clock.Real
	}
	if cfg.script != nil {
		for i := range cfg.script.Phases {
			for j, r := range cfg.script.Phases[i].Rules {
				cfg.script.Phases[i].Rules[j] = normalize(r)
			}
		}
		if len(cfg.script.Phases) == 0 {
			cfg.script = nil
		}
	}
	s := &Server{
		clock:      cfg.clock,
		seed:       cfg.seed,
		tokenDelay: cfg.tokenDelay,
		script:     cfg.script,
		limits:     newLimiter(cfg.rpm, cfg.limits),
		rng:        rand.New(rand.NewPCG(uint64(cfg.seed), 0x5eed_b01a_4c)),
		done:       make(chan struct{}),
	}
	s.start = s.clock.Now()
	if s.script != nil {
		s.phaseHits = make([][]uint64, len(s.script.Phases))
		for i, p := range s.script.Phases {
			s.phaseHits[i] = make([]uint64, len(p.Rules))
		}
	}
	s.stats.reset()
	s.SetRules(cfg.rules)
	return s
}

// SetRules replaces the live fault rules (those of WithRules and
// PUT /_sim/faults); a running Script is not affected. Rules are used as
// given, not validated (ParseRules validates): a Rate outside 0..1 means
// always, a Status outside 400..599 is ignored, negative numbers count as 0.
func (s *Server) SetRules(rules []Rule) {
	cp := make([]Rule, len(rules))
	for i, r := range rules {
		cp[i] = normalize(r)
	}
	s.mu.Lock()
	s.rules = cp
	s.hits = make([]uint64, len(cp))
	s.mu.Unlock()
}

// SetLimits replaces the rate limits (those of WithLimits and
// PUT /_sim/limits; see Limit); every bucket starts full again. WithRPM
// limits are not affected. Limits are used as given (ParseLimits
// validates): a negative limit counts as unlimited.
func (s *Server) SetLimits(limits []Limit) {
	cp := make([]Limit, len(limits))
	for i, l := range limits {
		l.RequestsPerMinute = max(l.RequestsPerMinute, 0)
		l.InputTokensPerMinute = max(l.InputTokensPerMinute, 0)
		l.OutputTokensPerMinute = max(l.OutputTokensPerMinute, 0)
		cp[i] = l
	}
	s.limits.set(cp)
}

// Limits returns a copy of the rate limits in force (not the WithRPM ones).
func (s *Server) Limits() []Limit { return s.limits.get() }

// Rules returns a copy of the live fault rules (not the script's; see
// GET /_sim/faults for the phase in force).
func (s *Server) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rule{}, s.rules...)
}

// Close releases every request that is waiting (hang, latency, stall, token
// delay) by dropping its connection (the handler panics with
// http.ErrAbortHandler, which net/http turns into a closed connection), and
// makes later waits end the same way at once. Requests that do not wait are
// still answered. Close does not stop a listener (Start's stop function
// does) and is idempotent. The script timeline needs no timers to stop: the
// phase is read from the clock at each request.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
}

// Start serves a new Server on a free loopback port. It returns the server,
// its base URL ("http://127.0.0.1:PORT", no trailing slash) and a stop
// function that closes the Server, shuts the listener down (waiting at most
// 2 s for handlers) and may be called more than once.
func Start(opts ...Option) (*Server, string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	s := New(opts...)
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: s.ConnState}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if hs.Shutdown(ctx) != nil {
				_ = hs.Close()
			}
			<-served
		})
	}
	return s, "http://" + ln.Addr().String(), stop, nil
}

// ServeHTTP answers the API endpoints of every provider kind (see the
// package doc), the /_sim admin endpoints and the Google token endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.active.Add(1)
	defer s.active.Add(-1)
	switch p := r.URL.Path; {
	case p == "/_sim/faults":
		s.handleFaults(w, r)
		return
	case p == "/_sim/stats":
		s.handleStats(w, r)
		return
	case p == "/_sim/limits":
		s.handleLimits(w, r)
		return
	case p == "/_sim/reset":
		s.handleReset(w, r)
		return
	case p == "/_sim/google/token":
		s.handleGoogleToken(w, r)
		return
	case p == "/_sim/google/service-account.json":
		s.handleServiceAccount(w, r)
		return
	case strings.HasPrefix(p, "/computeMetadata/"):
		s.handleMetadata(w, r)
		return
	case strings.HasPrefix(p, "/_sim/"):
		s.writeError(w, r, http.StatusNotFound, "not_found_error", "Not Found")
		return
	}
	rt := parseRoute(r.URL.EscapedPath())
	r, ok := s.enter(w, r, rt)
	if !ok {
		return
	}
	switch rt.op {
	case opMessages:
		if s.allow(w, r, http.MethodPost) {
			s.handleMessages(w, r)
		}
	case opCountTokens:
		if s.allow(w, r, http.MethodPost) {
			s.handleCountTokens(w, r)
		}
	case opBatches:
		if s.allow(w, r, http.MethodPost) {
			s.handleCreateBatch(w, r)
		}
	case opFiles:
		if s.allow(w, r, http.MethodPost) {
			s.handleCreateFile(w, r)
		}
	case opModels:
		if s.allow(w, r, http.MethodGet) {
			s.handleModels(w, r)
		}
	case opInvoke:
		if s.allow(w, r, http.MethodPost) {
			s.handleInvoke(w, r, rt)
		}
	case opRawPredict:
		if s.allow(w, r, http.MethodPost) {
			s.handleRawPredict(w, r, rt)
		}
	case opVertexCount:
		if s.allow(w, r, http.MethodPost) {
			s.handleCountTokens(w, r)
		}
	default:
		s.count(r, "", "invalid")
		s.writeError(w, r, http.StatusNotFound, "not_found_error", "Not Found")
	}
}

// allow answers 405 when r's method is not method.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	s.count(r, "", "invalid")
	w.Header().Set("Allow", method)
	s.writeError(w, r, http.StatusMethodNotAllowed, "not_found_error",
		"Method Not Allowed: "+r.Method+" "+r.URL.Path+" (use "+method+")")
	return false
}

// errClosed reports that Close ended a wait.
var errClosed = errors.New("sim: server closed")

// wait pauses for d on the server's clock. It returns ctx's error when the
// client goes away and errClosed when Close is called; d <= 0 does not wait.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return s.stopped(ctx)
	}
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errClosed
	}
}

// waitForever waits until the client goes or Close.
func (s *Server) waitForever(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errClosed
	}
}

func (s *Server) stopped(ctx context.Context) error {
	select {
	case <-s.done:
		return errClosed
	default:
		return ctx.Err()
	}
}

// abort ends a handler whose wait failed: on Close the connection is dropped
// (http.ErrAbortHandler), when the client went away there is nobody to answer.
func abort(err error) {
	if errors.Is(err, errClosed) {
		panic(http.ErrAbortHandler)
	}
}

func normalize(r Rule) Rule {
	if r.Rate != r.Rate || r.Rate < 0 || r.Rate > 1 {
		r.Rate = 0
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		r.Status = 0
	}
	r.Latency = max(r.Latency, 0)
	r.Stall = max(r.Stall, 0)
	r.RetryAfter = max(r.RetryAfter, 0)
	r.StallAfterTokens = max(r.StallAfterTokens, 0)
	r.StreamErrorAfterTokens = max(r.StreamErrorAfterTokens, 0)
	r.Every = max(r.Every, 0)
	return r
}
