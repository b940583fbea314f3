package taxonomy

import (
	"strings"
	"time"
)

// Class names the row of the decision table an attempt fell into.
type Class uint8

// The rows of DESIGN §2.
const (
	Success     Class = iota // 2xx
	BadRequest               // 400 invalid_request_error
	Credit                   // 400 whose message says the credit balance is too low
	Auth                     // 401 authentication_error, 403 permission_error
	NotFound                 // 404 not_found_error (retired or misspelt model)
	TooLarge                 // 413 request_too_large
	Conflict                 // 408, 409
	RateLimited              // 429 rate_limit_error
	ServerError              // 500, 502, 503, 504 and other 5xx
	Overloaded               // 529 overloaded_error
	Network                  // connection refused or reset, body cut, malformed answer
	Timeout                  // the attempt's timeout fired
	Canceled                 // the caller gave up
	OtherClient              // any other 4xx
	// ContextOverflow is a 400 invalid_request_error whose message says the
	// prompt is too long for the model's context window ("prompt is too
	// long: 209353 tokens > 200000 maximum"): a model with a larger window
	// may take it (DESIGN §14).
	ContextOverflow
)

var classNames = [...]string{
	Success: "success", BadRequest: "bad_request", Credit: "credit", Auth: "auth",
	NotFound: "not_found", TooLarge: "too_large", Conflict: "conflict",
	RateLimited: "rate_limited", ServerError: "server_error", Overloaded: "overloaded",
	Network: "network", Timeout: "timeout", Canceled: "canceled", OtherClient: "client_error",
	ContextOverflow: "context_overflow",
}

// String returns the class as a short snake_case word, used in logs and metric labels.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Next says whether a failure may move on to the next tier of the chain.
type Next uint8

const (
	// NextNo stops the chain: the request itself is at fault.
	NextNo Next = iota
	// NextYes moves on to the next tier.
	NextYes
	// NextOtherCredentials moves on only to a tier that uses other credentials.
	NextOtherCredentials
	// NextLargerContext moves on only to a tier whose model has a larger
	// context window than the one that refused the prompt (and than
	// Decision.PromptTokens, when known); with none, the chain stops and the
	// answer goes back to the caller as a 400 would (DESIGN §14).
	NextLargerContext
)

// Effect says how an attempt counts toward a breaker.
type Effect uint8

const (
	// Neutral does not count.
	Neutral Effect = iota
	// CountSuccess counts as a success.
	CountSuccess
	// CountFailure counts as a failure.
	CountFailure
)

// Severity is how loudly a failure is reported.
type Severity uint8

const (
	Info Severity = iota // routine
	Warn                 // transient trouble
	Page                 // misconfiguration: a person must act
)

// String returns "info", "warn" or "page".
func (s Severity) String() string {
	switch s {
	case Warn:
		return "warn"
	case Page:
		return "page"
	}
	return "info"
}

// Decision is what to do after one attempt.
type Decision struct {
	Class Class
	// Retry: another attempt on the same model may help.
	Retry bool
	// Next: whether the chain may move on to the next tier.
	Next Next
	// Model is the effect on the model's breaker.
	Model Effect
	// User is the effect on the per-user breaker (only CountFailure is used).
	User Effect
	// Severity of the failure.
	Severity Severity
	// RetryAfter is the server's requested wait (retry-after-ms or
	// retry-after); valid when HasRetryAfter.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// Cooldown is how long to keep sending nothing to this model (429 with a
	// retry-after); 0 for none.
	Cooldown time.Duration
	// PromptTokens and ContextLimit are the N and M of a ContextOverflow's
	// "prompt is too long: N tokens > M maximum", in tokens; 0 when the
	// message did not say.
	PromptTokens, ContextLimit int
}

// OK reports whether the attempt succeeded.
func (d Decision) OK() bool { return d.Class == Success }

// Classify maps an attempt's result to a decision, per DESIGN §2. now is used
// to read a retry-after given as an HTTP date.
func Classify(r Result, now time.Time) Decision {
	d := classify(r)
	if r.Header != nil {
		if ra, ok := RetryAfter(r.Header, now); ok {
			d.RetryAfter, d.HasRetryAfter = ra, true
		}
		// x-should-retry overrides "retry same model", never "next tier".
		if d.Class != Success && d.Class != Canceled {
			switch r.Header.Get("X-Should-Retry") {
			case "true":
				d.Retry = true
			case "false":
				d.Retry = false
			}
		}
	}
	if r.NoRetry {
		d.Retry = false
	}
	if d.Class == RateLimited && d.HasRetryAfter {
		d.Cooldown = d.RetryAfter
	}
	return d
}

func classify(r Result) Decision {
	switch {
	case r.Canceled:
		return Decision{Class: Canceled, Severity: Info}
	case r.TimedOut:
		return transient(Timeout)
	case r.StreamError || (r.Status >= 200 && r.Status < 300 && r.ErrorType != ""):
		return byType(r.ErrorType, r.Message)
	case r.Err != nil && r.Status == 0:
		return transient(Network)
	case r.Status >= 200 && r.Status < 300:
		if r.Err != nil { // a 200 whose body was cut or garbled
			return transient(Network)
		}
		return Decision{Class: Success, Model: CountSuccess}
	}
	switch r.Status {
	case 400:
		if isCredit(r.Message) {
			return Decision{Class: Credit, Next: NextYes, Severity: Page}
		}
		if n, m, ok := PromptTooLong(r.Message); ok {
			// The request's fault for this model only: a larger window
			// may take it; if none does, it counts against the user as a
			// 400 does.
			return Decision{Class: ContextOverflow, Next: NextLargerContext, User: CountFailure,
				Severity: Warn, PromptTokens: n, ContextLimit: m}
		}
		return Decision{Class: BadRequest, User: CountFailure, Severity: Warn}
	case 401, 403:
		return Decision{Class: Auth, Next: NextOtherCredentials, Severity: Page}
	case 404:
		return Decision{Class: NotFound, Next: NextYes, Severity: Page}
	case 413:
		return Decision{Class: TooLarge, User: CountFailure, Severity: Warn}
	case 408, 409:
		return transient(Conflict)
	case 429:
		// A rate limit is not a sick model: it opens a cooldown (see
		// Classify) instead of counting against the breaker.
		d := transient(RateLimited)
		d.Model = Neutral
		return d
	case 529:
		return transient(Overloaded)
	}
	if r.Status >= 500 {
		return transient(ServerError)
	}
	if r.Status >= 400 {
		return Decision{Class: OtherClient, User: CountFailure, Severity: Warn}
	}
	// 1xx/3xx or nothing at all: treat as a broken answer.
	return transient(Network)
}

// byType classifies an SSE error event by its error.type, as the HTTP
// status the API answers that type with (DESIGN §2).
func byType(errorType, message string) Decision {
	return classify(Result{Status: StatusOf(errorType), Message: message})
}

func transient(c Class) Decision {
	return Decision{Class: c, Retry: true, Next: NextYes, Model: CountFailure, Severity: Warn}
}

// isCredit spots Anthropic's "Your credit balance is too low" 400.
func isCredit(msg string) bool {
	if msg == "" {
		return false
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "credit balance")
}
