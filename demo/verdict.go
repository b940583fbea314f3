package demo

import (
	"strings"

	"github.com/bulwarkhq/bulwark"
)

// Verdict is what one request looked like to the person who sent it.
type Verdict uint8

const (
	// Answered: a model's answer was shown.
	Answered Verdict = iota
	// Degraded: bulwark's friendly message was shown: not blank, but not an answer.
	Degraded
	// Failed: an error was shown (the plain client's error text).
	Failed
	// Blank: nothing was shown before the user gave up, or before the run
	// ended.
	Blank
)

var verdictNames = [...]string{"answered", "degraded", "failed", "blank"}

// String returns the verdict as one lower-case word.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// PlainVerdict judges a call of the plain SDK: text is the answer's text
// (empty when there was none), err the call's error, gaveUp whether the user
// had stopped waiting (or the run had ended) by the time it returned. An
// empty answer shows nothing, so it is blank; an error is shown as it is.
func PlainVerdict(text string, err error, gaveUp bool) Verdict {
	switch {
	case gaveUp:
		return Blank
	case err != nil:
		return Failed
	case strings.TrimSpace(text) == "":
		return Blank
	}
	return Answered
}

// BulwarkVerdict judges a Guard.Handle call: an answer when a model answered,
// degraded when it returned its static message, blank when the user had
// given up (or the run had ended) before it returned.
func BulwarkVerdict(resp bulwark.Response, gaveUp bool) Verdict {
	switch {
	case gaveUp || strings.TrimSpace(resp.Content) == "":
		return Blank
	case resp.Success:
		return Answered
	}
	return Degraded
}
