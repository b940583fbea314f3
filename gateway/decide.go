package gateway

import (
	"encoding/hex"
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// answerKind is how the gateway answers once a run has ended.
type answerKind uint8

const (
	// answerModel forwards the answering model's response.
	answerModel answerKind = iota
	// answerPassBack passes the upstream's rejection back as it is: the
	// request itself was at fault and the caller's program needs the detail.
	answerPassBack
	// answerError is an Anthropic-shaped error of the gateway's own, after
	// the cache tier (when the chain has one) had no answer either.
	answerError
	// answerNone: the client went away; there is nobody to answer.
	answerNone
)

// verdict is what to answer after a run.
type verdict struct {
	kind answerKind
	// status, errType and message describe an answerError.
	status  int
	errType string
	message string
	// retryAfter is sent as retry-after (whole seconds, rounded up) when > 0.
	retryAfter time.Duration
	// tryCache: the cache tier may answer before the error.
	tryCache bool
	// passBack: with no cached answer, pass the upstream's last answer back
	// instead of the gateway's error (a 404 model or a credit 400 on the last
	// tier: the SDKs must not retry it, and its text names the problem).
	passBack bool
}

const (
	// statusClientClosed is logged (never sent) when the client went away.
	statusClientClosed = 499
)

// decide maps how a run ended to the client's answer (DESIGN §7): the
// model's answer; the upstream's own rejection; or, when every tier failed,
// engine.FailureOf's error (the cache tier first, when the chain has one).
func decide(out *engine.Report) verdict {
	switch out.Reason {
	case engine.Answered:
		return verdict{kind: answerModel, status: 200}
	case engine.Canceled:
		return verdict{kind: answerNone, status: statusClientClosed}
	case engine.Rejected:
		return verdict{kind: answerPassBack}
	}
	f := engine.FailureOf(out)
	return verdict{kind: answerError, tryCache: true, passBack: f.PassBack,
		status: f.Status, errType: f.Type, message: f.Message, retryAfter: f.RetryAfter}
}

// gaveUp reports whether the gateway ended the run itself after its own
// retries and fallbacks (every tier failed, or the deadline ran out), so
// that an upstream error it passes back is its verdict too, and carries
// x-should-retry: false. A rejection (the request's own fault) is the
// upstream's answer as it is.
func gaveUp(out *engine.Report) bool {
	return out.Reason == engine.Exhausted || out.Reason == engine.DeadlineExceeded
}

// MaxUserIDBytes is the longest user id accepted, in bytes (DESIGN §6):
// metadata.user_id (as decoded from JSON) and the bulwark-user-id header.
// A longer one is answered 400 invalid_request_error without an upstream
// call, so that no client can make the gateway hold big keys.
const MaxUserIDBytes = 256

// userIDProblem returns the 400 message for user ids over MaxUserIDBytes,
// "" when both are within it.
func userIDProblem(metadataUser, header string) string {
	switch {
	case len(metadataUser) > MaxUserIDBytes:
		return "metadata.user_id: must be at most " + strconv.Itoa(MaxUserIDBytes) + " bytes long (got " + strconv.Itoa(len(metadataUser)) + ")."
	case len(header) > MaxUserIDBytes:
		return UserHeader + ": must be at most " + strconv.Itoa(MaxUserIDBytes) + " bytes long (got " + strconv.Itoa(len(header)) + ")."
	}
	return ""
}

// userFor names the user a request counts against (DESIGN §6): the body's
// metadata.user_id, else the bulwark-user-id header, else the client key's
// user. "" means no per-user breaker applies.
func userFor(metadataUser, header, clientUser string) string {
	switch {
	case metadataUser != "":
		return metadataUser
	case header != "":
		return header
	}
	return clientUser
}

// keyUser names a client key that has no configured user: "key:" and the
// first 12 hex digits of its SHA-256, so that the key itself never appears.
func keyUser(sum [32]byte) string { return "key:" + hex.EncodeToString(sum[:6]) }

// countsAgainstUser reports whether a run's failure was the user's doing
// (DESIGN §2 "per-user breaker: failure" rows, and a request that ran out of
// its deadline).
func countsAgainstUser(out *engine.Report) bool {
	switch out.Reason {
	case engine.Rejected:
		return out.Last.User == taxonomy.CountFailure
	case engine.DeadlineExceeded:
		return true
	}
	return false
}
