package gateway

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// inbound is the client's request as the gateway read it (the inbound
// role): its ids, its body and what was parsed from it, its chain and
// profile, and who sent it. It is checked (auth.go, validate.go and the
// methods below) before any upstream call is made.
type inbound struct {
	r        *http.Request
	id       string
	endpoint string

	bodyBuf *bytes.Buffer // pooled; body points into it
	body    []byte
	f       jsonscan.Request
	chain   *resolved
	profile *engine.Profile

	clientUser string
	tenant     string // the client key's identity (see authenticate); "" with no client keys
	user       string
	cacheKey   string
}

// releaseBody returns the request body's pooled buffer: nothing is sent
// upstream after it.
func (in *inbound) releaseBody() {
	putBuf(in.bodyBuf)
	in.bodyBuf, in.body = nil, nil
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
