package taxonomy_test

import (
	"maps"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// apiErrors is the Anthropic API's errors page, read independently of the
// table: each error.type with the HTTP status it comes with.
var apiErrors = map[string]int{
	"invalid_request_error": 400, "authentication_error": 401, "billing_error": 402, "permission_error": 403,
	"not_found_error": 404, "conflict_error": 409, "request_too_large": 413, "rate_limit_error": 429,
	"api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}

func TestErrorTypeAndStatusOfFollowTheAPIsErrorsPage(t *testing.T) {
	for typ, status := range apiErrors {
		if got := taxonomy.ErrorType(status); got != typ {
			t.Errorf("ErrorType(%d) = %q, want %q", status, got, typ)
		}
		if got := taxonomy.StatusOf(typ); got != status {
			t.Errorf("StatusOf(%q) = %d, want %d", typ, got, status)
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
	types := maps.Clone(apiErrors)
	types["an_unknown_error"] = 500
	for typ, status := range types {
		sse := taxonomy.Classify(taxonomy.Result{Status: 200, StreamError: true, ErrorType: typ}, now)
		http := taxonomy.Classify(taxonomy.Result{Status: status, ErrorType: typ}, now)
		if sse != http {
			t.Errorf("%s: as an SSE event %+v, as HTTP %d %+v", typ, sse, status, http)
		}
	}
}
