package catalog

import "time"

// Retirement is a model's end-of-life: from Date on, the Anthropic API answers
// requests for it with 404 not_found_error.
type Retirement struct {
	// Model is the model asked about, as given to [Lifecycle].
	Model string
	// Date is the first day the model is no longer served, at 00:00 UTC.
	Date time.Time
	// Successor is the model Anthropic says to move to.
	Successor string
}

type eol struct {
	date      time.Time
	successor string
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// retirements is the end-of-life table. Source: the Deprecated notes on the
// Model constants of github.com/anthropics/anthropic-sdk-go/v2 v2.15.0
// (message.go, betaagent.go), which point to
// https://docs.anthropic.com/en/docs/resources/model-deprecations.
// Dated snapshot ids are listed where the SDK lists them; other dated ids of
// these aliases resolve through [Alias].
var retirements = map[string]eol{
	// "Will reach end-of-life on June 30, 2026. Please migrate to claude-mythos-5."
	"claude-mythos-preview": {day(2026, time.June, 30), "claude-mythos-5"},
	// "Will reach end-of-life on November 30, 2026. Please migrate to claude-sonnet-5-5."
	"claude-sonnet-4-5":          {day(2026, time.November, 30), "claude-sonnet-5-5"},
	"claude-sonnet-4-5-20250929": {day(2026, time.November, 30), "claude-sonnet-5-5"},
	// "Will reach end-of-life on January 22, 2027. Please migrate to claude-opus-5-5."
	"claude-opus-4-5":          {day(2027, time.January, 22), "claude-opus-5-5"},
	"claude-opus-4-5-20251101": {day(2027, time.January, 22), "claude-opus-5-5"},
}

// Lifecycle returns the end-of-life of model, and false when bulwark knows of
// none (the model is current, or unknown). A dated id ("claude-opus-4-5-20251101")
// not in the table is looked up by its [Alias].
func Lifecycle(model string) (Retirement, bool) {
	e, ok := retirements[model]
	if !ok {
		e, ok = retirements[Alias(model)]
	}
	if !ok {
		return Retirement{}, false
	}
	return Retirement{Model: model, Date: e.date, Successor: e.successor}, true
}
