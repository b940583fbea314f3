package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/bulwarkhq/bulwark/store"
)

// handleHealthz serves GET /healthz: the process is alive.
func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readiness is the body of GET /readyz.
type readiness struct {
	Ready    bool          `json:"ready"`
	Draining bool          `json:"draining"`
	Upstream string        `json:"upstream"`
	Store    *store.Health `json:"store,omitempty"`
}

// handleReadyz serves GET /readyz: 200 while serving, 503 once a shutdown
// has begun. The store's health is shown but does not make the gateway
// unready: without its backend a store serves from local state.
func (s *Server) handleReadyz(w http.ResponseWriter, _ *http.Request) {
	rd := readiness{Ready: !s.draining.Load(), Draining: s.draining.Load(), Upstream: redact.URL(s.base)}
	if s.store != nil {
		h := s.storeHealth()
		rd.Store = &h
	}
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, rd)
}

// statusWarning is an end-of-life warning in GET /v1/status.
type statusWarning struct {
	Model     string    `json:"model"`
	Successor string    `json:"successor"`
	Date      time.Time `json:"date"`
	Retired   bool      `json:"retired"`
	Message   string    `json:"message"`
}

// upstreamStatus is one upstream in GET /v1/status. Its deployments'
// breakers are under "breakers", keyed MODEL@NAME (the default upstream's
// by the model alone).
type upstreamStatus struct {
	Kind    provider.Kind     `json:"kind"`
	BaseURL string            `json:"base_url,omitempty"` // empty: the kind's public endpoint
	Models  map[string]string `json:"models,omitempty"`
}

// upstreamsStatus lists the default upstream and every place by name.
func (s *Server) upstreamsStatus() map[string]upstreamStatus {
	out := map[string]upstreamStatus{config.DefaultUpstream: {Kind: provider.Anthropic, BaseURL: redact.URL(s.base)}}
	for name, p := range s.places {
		out[name] = upstreamStatus{Kind: p.set.Kind, BaseURL: redact.Userinfo(p.set.BaseURL), Models: p.set.Models}
	}
	return out
}

// handleStatus serves GET /v1/status: model breakers and cooldowns, the
// upstreams, the steered deployments' latest rate-limit headers, the
// store's health, the chains, end-of-life warnings, the retry budget's
// counts, and the sections added with WithStatusSection. It is an admin
// path (see guardAdmin).
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	s.newExchange(w, r, "status")
	body := map[string]any{}
	if f := s.set.statusFields; f != nil {
		var fields map[string]json.RawMessage
		if b, err := json.Marshal(f()); err == nil && json.Unmarshal(b, &fields) == nil {
			for k, v := range fields {
				body[k] = v
			}
		}
	}
	for k, v := range map[string]any{
		"breakers":  nonNil(s.eng.Breakers().Snapshot()),
		"chains":    s.set.chains,
		"upstream":  redact.URL(s.base),
		"upstreams": s.upstreamsStatus(),
		"draining":  s.draining.Load(),
	} {
		body[k] = v
	}
	warnings := make([]statusWarning, 0, len(s.warnings))
	for _, w := range s.warnings {
		warnings = append(warnings, statusWarning{w.Model, w.Successor, w.Date, w.Retired, w.Message})
	}
	body["warnings"] = warnings
	if s.store != nil {
		body["store"] = s.storeHealth()
	}
	if s.book != nil {
		// The latest rate-limit headers of each steered deployment, this
		// replica's or a peer's (DESIGN §14).
		body["headroom"] = s.book.Snapshot()
	}
	attempts, retries := s.eng.Budget().Stats()
	body["retry_budget"] = map[string]int64{"attempts": attempts, "retries": retries}
	for name, f := range s.set.sections {
		body[name] = f()
	}
	writeJSON(w, http.StatusOK, body)
}

// storeHealth is the store's health, its error text redacted.
func (s *Server) storeHealth() store.Health {
	h := s.store.Health()
	h.Error = s.red.Text(h.Error)
	return h
}

func nonNil(s []breaker.Status) []breaker.Status {
	if s == nil {
		return []breaker.Status{}
	}
	return s
}

// handleNotFound answers paths the gateway does not serve, in Anthropic's
// error shape.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, newRequestID(), http.StatusNotFound, "not_found_error", "Not found: "+quoteShort(r.URL.Path), 0)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"encoding failed"}`)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// handleMethodNotAllowed answers a method the path does not take: 405 in
// Anthropic's error shape, with Allow.
func (s *Server) handleMethodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, newRequestID(), http.StatusMethodNotAllowed, "invalid_request_error",
			"Method "+quoteShort(r.Method)+" is not allowed on "+r.URL.Path+"; use "+allow+".", 0)
	}
}
