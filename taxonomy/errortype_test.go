package taxonomy_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// apiErrors is the Anthropic API's errors page, read independently of the
// table: each status with the error.type it answers with.
var apiErrors = []struct {
	status int
	typ    string
}{
	{400, "invalid_request_error"},
	{401, "authentication_error"},
	{402, "billing_error"},
	{403, "permission_error"},
	{404, "not_found_error"},
	{409, "conflict_error"},
	{413, "request_too_large"},
	{429, "rate_limit_error"},
	{500, "api_error"},
	{504, "timeout_error"},
	{529, "overloaded_error"},
}

func TestErrorTypeAndStatusOfFollowTheAPIsErrorsPage(t *testing.T) {
	for _, e := range apiErrors {
		if got := taxonomy.ErrorType(e.status); got != e.typ {
			t.Errorf("ErrorType(%d) = %q, want %q", e.status, got, e.typ)
		}
		if got := taxonomy.StatusOf(e.typ); got != e.status {
			t.Errorf("StatusOf(%q) = %d, want %d", e.typ, got, e.status)
		}
	}
}

func TestErrorTypeOfAnUnlistedStatusIsInvalidRequestFor4xxAndAPIErrorElse(t *testing.T) {
	for status, want := range map[int]string{
		408: "invalid_request_error", 422: "invalid_request_error", 499: "invalid_request_error",
		501: "api_error", 502: "api_error", 503: "api_error", 599: "api_error", 200: "api_error", 0: "api_error",
	} {
		if got := taxonomy.ErrorType(status); got != want {
			t.Errorf("ErrorType(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestStatusOfAnUnknownTypeIs500(t *testing.T) {
	for _, typ := range []string{"", "overloaded", "model_overloaded_error", "OVERLOADED_ERROR"} {
		if got := taxonomy.StatusOf(typ); got != 500 {
			t.Errorf("StatusOf(%q) = %d, want 500", typ, got)
		}
	}
}

// An SSE error event is classified as the HTTP status its type stands for
// (DESIGN §2), for every type of the table.
func TestClassifySSEErrorEventAsTheStatusOfItsType(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range append(apiErrors, struct {
		status int
		typ    string
	}{500, "an_unknown_error"}) {
		sse := taxonomy.Classify(taxonomy.Result{Status: 200, StreamError: true, ErrorType: e.typ}, now)
		http := taxonomy.Classify(taxonomy.Result{Status: e.status, ErrorType: e.typ}, now)
		if sse != http {
			t.Errorf("%s: as an SSE event %+v, as HTTP %d %+v", e.typ, sse, e.status, http)
		}
	}
}
