package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// exchange is one client request on its way through the gateway.
type exchange struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	ctx      context.Context
	id       string
	endpoint string
	start    time.Time

	bodyBuf *bytes.Buffer // pooled; body points into it
	body    []byte
	f       jsonscan.Request
	chain   *resolved
	profile *engine.Profile

	clientUser string
	tenant     string // the client key's identity (see authenticate); "" with no client keys
	user       string
	upHeader   http.Header
	cacheKey   string
	red        *redact.Redactor // see redactor()

	// What was answered, for the log line and the observer. out is the
	// run's outcome; its Answer (the reply the client gets) is released
	// when the request ends.
	status    int
	out       *outcome
	modelUsed string
	fallback  bool
	degraded  Degraded
	streamEnd string
	events    int
	sent      int64
	firstByte time.Duration
	usage     catalog.Usage
	hasUsage  bool
	// discarded is the usage of attempts thrown away after the upstream
	// had started (billed, never delivered), on discardedModel.
	discarded      catalog.Usage
	discardedModel string
}

// discard counts the usage of an attempt on model that was thrown away.
func (x *exchange) discard(model string, u catalog.Usage) {
	x.discarded.InputTokens += u.InputTokens
	x.discarded.OutputTokens += u.OutputTokens
	x.discarded.CacheCreationInputTokens += u.CacheCreationInputTokens
	x.discarded.CacheReadInputTokens += u.CacheReadInputTokens
	x.discardedModel = model
}

// outcome is a run's outcome with its reply.
type outcome = engine.Outcome[reply]

// reply is what one upstream attempt brought back, the payload of the
// gateway's attempts (engine.AttemptFunc): an answer read whole, or a live
// stream; zero when no answer came.
type reply struct {
	whole *upstreamAnswer
	live  *liveStream
}

// release returns what r holds: pooled buffers, an open upstream body.
func (r reply) release() {
	if r.whole != nil {
		putBuf(r.whole.body)
		r.whole.body = nil
	}
	if r.live != nil {
		r.live.close()
	}
}

// upstreamAnswer is an upstream response read whole.
type upstreamAnswer struct {
	status int
	header http.Header
	body   *bytes.Buffer // pooled; nil when the answer came as an SSE error event
	model  string
	// errType and message come from an SSE error event before the first token.
	errType, message string
	// usage is a 2xx body's usage, read (when an observer wants it) in the
	// pass that checked the body; hasUsage says whether it had one.
	usage    catalog.Usage
	hasUsage bool
}

func (s *Server) newExchange(w http.ResponseWriter, r *http.Request, endpoint string) *exchange {
	x := &exchange{s: s, w: w, r: r, ctx: r.Context(), id: newRequestID(), endpoint: endpoint, start: time.Now()}
	w.Header().Set(hRequestID, x.id)
	return x
}

// fail answers with one of the gateway's own errors.
func (x *exchange) fail(status int, errType, message string, retryAfter time.Duration) {
	x.status = status
	writeError(x.w, x.id, status, errType, message, retryAfter)
}

// readBody reads the request body, at most the configured limit.
func (x *exchange) readBody() bool {
	limit := x.s.set.maxBody
	if x.r.ContentLength > limit {
		x.tooLarge()
		return false
	}
	buf := getBuf()
	x.bodyBuf = buf
	if n := x.r.ContentLength; n > 0 {
		buf.Grow(int(n))
	}
	_, err := buf.ReadFrom(io.LimitReader(x.r.Body, limit+1))
	if int64(buf.Len()) > limit {
		x.tooLarge()
		return false
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			x.tooLarge()
			return false
		}
		x.fail(http.StatusBadRequest, "invalid_request_error", "could not read the request body: "+err.Error(), 0)
		return false
	}
	x.body = buf.Bytes()
	return true
}

func (x *exchange) tooLarge() {
	x.w.Header().Set("Connection", "close")
	x.fail(http.StatusRequestEntityTooLarge, "request_too_large", "Request exceeds the maximum allowed number of bytes.", 0)
}

// pickProfile selects the profile named by the bulwark-profile header.
func (x *exchange) pickProfile() bool {
	name := x.r.Header.Get(ProfileHeader)
	if name == "" {
		name = config.ProfileInteractive
	}
	p, ok := x.s.profiles[name]
	if !ok {
		x.fail(http.StatusBadRequest, "invalid_request_error", "bulwark-profile: unknown profile "+quoteShort(name), 0)
		return false
	}
	x.profile = p
	return true
}

// checkUser refuses user ids over MaxUserIDBytes (400, on both endpoints)
// and applies the per-user breaker: a user who is cut off gets 429 with no
// upstream call (on /v1/agent, false with nothing answered yet).
func (x *exchange) checkUser(metadataUser string) bool {
	header := x.r.Header.Get(UserHeader)
	if msg := userIDProblem(metadataUser, header); msg != "" {
		x.fail(http.StatusBadRequest, "invalid_request_error", msg, 0)
		return false
	}
	if x.s.store == nil {
		return true
	}
	x.user = userFor(metadataUser, header, x.clientUser)
	if x.user == "" {
		return true
	}
	ok, retryAfter := x.s.store.UserAllowed(x.user)
	if ok {
		return true
	}
	x.degraded = DegradedUserBreaker
	x.logf(slog.LevelInfo, "user_breaker.blocked", slog.String("user", x.user),
		slog.Int64("retry_after_ms", retryAfter.Milliseconds()))
	if x.endpoint == EndpointAgent {
		return false
	}
	x.fail(http.StatusTooManyRequests, "rate_limit_error",
		"Too many of this user's requests failed recently; retry after the time in the retry-after header.", max(retryAfter, time.Second))
	return false
}

// afterRun counts a request-caused failure against the user.
func (x *exchange) afterRun(out *engine.Report) {
	if x.user == "" || x.s.store == nil || !countsAgainstUser(out) {
		return
	}
	if x.s.store.UserFailed(context.WithoutCancel(x.ctx), x.user) {
		x.logf(slog.LevelWarn, "user_breaker.open", slog.String("user", x.user),
			slog.String("reason", out.Reason.String()))
		if co, ok := x.s.obs.(CutOffObserver); ok {
			co.UserCutOff(x.user)
		}
	}
}

// upstreamHeaders builds the headers of every upstream call of this request.
func (x *exchange) upstreamHeaders() http.Header {
	h := make(http.Header, 8)
	for k, vv := range x.r.Header {
		if forwarded(k) {
			h[k] = vv
		}
	}
	switch {
	case x.s.set.apiKey != "":
		h["X-Api-Key"] = []string{x.s.set.apiKey}
	case x.s.clients == nil:
		// No upstream key: the client's own credentials go through.
		if v, ok := x.r.Header["X-Api-Key"]; ok {
			h["X-Api-Key"] = v
		}
		if v, ok := x.r.Header["Authorization"]; ok {
			h["Authorization"] = v
		}
	}
	if x.r.Method != http.MethodGet && x.r.Method != http.MethodHead && h.Get("Content-Type") == "" {
		h["Content-Type"] = []string{"application/json"}
	}
	return h
}

// forwarded reports whether a client request header goes upstream.
func forwarded(k string) bool {
	switch k {
	case "Content-Type", "Accept", "User-Agent":
		return true
	}
	return strings.HasPrefix(k, "Anthropic-") || strings.HasPrefix(k, "X-Stainless-")
}

// finish releases the request's buffers, logs agent.request_complete and
// tells the observer.
func (x *exchange) finish() {
	x.release()
	d := time.Since(x.start)
	if x.status == 0 {
		x.status = statusClientClosed
	}
	level := slog.LevelInfo
	if x.status >= 500 {
		level = slog.LevelWarn
	}
	if x.s.log.Enabled(x.ctx, level) {
		attrs := make([]slog.Attr, 0, 16)
		attrs = append(attrs,
			slog.String("request_id", x.id),
			slog.String("endpoint", x.endpoint),
			slog.String("model", x.f.Model),
			slog.String("model_used", x.modelUsed),
			slog.Bool("fallback", x.fallback),
			slog.Int("attempts", x.attempts()),
			slog.Int("status", x.status),
			slog.Int64("duration_ms", d.Milliseconds()),
			slog.Bool("stream", x.f.Stream))
		if x.profile != nil {
			attrs = append(attrs, slog.String("profile", x.profile.Name))
		}
		if x.out != nil {
			attrs = append(attrs, slog.String("reason", x.out.Reason.String()))
		}
		if x.degraded != DegradedNone {
			attrs = append(attrs, slog.String("degraded", x.degraded.String()))
		}
		if x.streamEnd != "" {
			attrs = append(attrs, slog.String("stream_end", x.streamEnd), slog.Int("events", x.events),
				slog.Int64("bytes", x.sent), slog.Int64("first_byte_ms", x.firstByte.Milliseconds()))
		}
		x.s.log.LogAttrs(context.Background(), level, "agent.request_complete", attrs...)
	}
	if x.s.obs != nil {
		x.s.obs.Completed(&Completion{
			RequestID: x.id, Endpoint: x.endpoint, Model: x.f.Model, ModelUsed: x.modelUsed,
			Fallback: x.fallback, Degraded: x.degraded, Stream: x.f.Stream, Status: x.status,
			Outcome: x.report(), Duration: d, FirstByte: x.firstByte, StreamEnd: x.streamEnd,
			Usage: x.usage, HasUsage: x.hasUsage, User: x.user,
			Discarded: x.discarded, DiscardedModel: x.discardedModel,
		})
	}
}

func (x *exchange) release() {
	x.settle(taxonomy.Result{Canceled: true}) // a committed stream not settled yet: nothing counts
	if x.out != nil {
		x.out.Answer.release()
		x.out.Answer = reply{}
	}
	putBuf(x.bodyBuf)
	x.bodyBuf, x.body = nil, nil
}

// report is the run's account, nil before a run.
func (x *exchange) report() *engine.Report {
	if x.out == nil {
		return nil
	}
	return &x.out.Report
}

func (x *exchange) attempts() int {
	if x.out == nil {
		return 0
	}
	return x.out.UpstreamCalls()
}

// logf logs one line of this request, with its request_id.
func (x *exchange) logf(level slog.Level, msg string, attrs ...slog.Attr) {
	if !x.s.log.Enabled(x.ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+1)
	all = append(all, slog.String("request_id", x.id))
	x.s.log.LogAttrs(context.Background(), level, msg, append(all, attrs...)...)
}

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return string(jsonscan.AppendString(nil, s))
}
