package demo

import (
	"errors"
	"testing"

	"github.com/bulwarkhq/bulwark"
)

func TestPlainVerdictIsWhatTheUserSaw(t *testing.T) {
	boom := errors.New(`POST "/v1/messages": 529 Overloaded`)
	for _, tc := range []struct {
		name   string
		text   string
		err    error
		gaveUp bool
		want   Verdict
	}{
		{"an answer", "Your order ships today.", nil, false, Answered},
		{"an error is shown as it is", "", boom, false, Failed},
		{"an empty answer shows nothing", "  \n", nil, false, Blank},
		{"the user gave up before the error came", "", boom, true, Blank},
		{"the user gave up before the answer came", "late", nil, true, Blank},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlainVerdict(tc.text, tc.err, tc.gaveUp); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBulwarkVerdictIsWhatTheUserSaw(t *testing.T) {
	for _, tc := range []struct {
		name   string
		resp   bulwark.Response
		gaveUp bool
		want   Verdict
	}{
		{"the primary answered", bulwark.Response{Content: "Hi", Success: true, ModelUsed: Primary}, false, Answered},
		{"the fallback answered", bulwark.Response{Content: "Hi", Success: true, ModelUsed: Fallback, IsFallback: true}, false, Answered},
		{"the static message", bulwark.Response{Content: bulwark.DefaultMessages().Unavailable}, false, Degraded},
		{"the timeout message", bulwark.Response{Content: bulwark.DefaultMessages().Timeout}, false, Degraded},
		{"nothing to show", bulwark.Response{}, false, Blank},
		{"the user gave up first", bulwark.Response{Content: "Hi", Success: true}, true, Blank},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BulwarkVerdict(tc.resp, tc.gaveUp); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerdictNames(t *testing.T) {
	for v, want := range map[Verdict]string{Answered: "answered", Degraded: "degraded", Failed: "failed", Blank: "blank", 9: "unknown"} {
		if v.String() != want {
			t.Errorf("%d.String() = %q, want %q", v, v.String(), want)
		}
	}
}
