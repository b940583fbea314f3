package gateway

import (
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// wantProblem checks the message a check returned: empty unless bad, else
// containing part and short (the input is never echoed whole).
func wantProblem(t *testing.T, msg string, bad bool, part string) {
	t.Helper()
	if (msg != "") != bad || !strings.Contains(msg, part) {
		t.Fatalf("message %q, want bad=%v containing %q", msg, bad, part)
	}
	if len(msg) > 300 {
		t.Fatalf("a message of %d bytes echoes the input whole", len(msg))
	}
}

func TestBadContentTypeAcceptsOnlyJSON(t *testing.T) {
	tests := []struct {
		ct   string
		bad  bool
		part string
	}{
		{ct: "application/json"},
		{ct: "application/json; charset=utf-8"},
		{ct: "Application/JSON; Charset=UTF-8"},
		{ct: "application/json;charset=UTF8"},
		{ct: "application/json; boundary=x"},
		{ct: ""}, // absent: the body is judged as JSON
		{ct: "application/x-www-form-urlencoded", bad: true, part: "-H 'content-type: application/json'"},
		{ct: "text/plain;charset=UTF-8", bad: true, part: `"text/plain;charset=UTF-8"`},
		{ct: "multipart/form-data; boundary=abc", bad: true, part: "multipart"},
		{ct: "application/jsonx", bad: true},
		{ct: "application/vnd.api+json", bad: true},
		{ct: "application/json; charset=latin1", bad: true, part: `charset "latin1"`},
		{ct: "application/json; charset", bad: true}, // not a media type
		{ct: "json", bad: true},
		{ct: strings.Repeat("a", 10000), bad: true, part: "..."},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) { wantProblem(t, badContentType(tt.ct), tt.bad, tt.part) })
	}
}

func TestBadModelAcceptsOnlyShortPrintableASCII(t *testing.T) {
	tests := []struct {
		name, model string
		bad         bool
		part        string
	}{
		{name: "a model", model: "claude-sonnet-5-5"},
		{name: "a dated model", model: "claude-3-5-sonnet-20241022"},
		{name: "a cloud model id", model: "anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{name: "a Vertex model id", model: "claude-sonnet-4-5@20250929"},
		{name: "every printable byte", model: "!~/_.:@#%&*+=?^|"},
		{name: "one byte", model: "x"},
		{name: "256 bytes", model: strings.Repeat("m", 256)},
		{name: "empty", model: "", bad: true, part: "non-empty"},
		{name: "257 bytes", model: strings.Repeat("m", 257), bad: true, part: "at most 256 bytes; got 257"},
		{name: "20 KB", model: strings.Repeat("m", 20<<10), bad: true, part: "got 20480"},
		{name: "a space", model: "claude sonnet", bad: true, part: "no spaces"},
		{name: "NUL", model: "claude\x00", bad: true, part: `\u0000`},
		{name: "CR LF", model: "claude\r\nX-Injected: 1", bad: true, part: "printable ASCII"},
		{name: "tab", model: "claude\t", bad: true},
		{name: "DEL", model: "claude\x7f", bad: true},
		{name: "invalid UTF-8", model: "claude\xff", bad: true},
		{name: "non-ASCII", model: "claudé", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, badModel(tt.model), tt.bad, tt.part) })
	}
}

func TestRequestProblemNamesTheFirstFaultOfABody(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		stream bool // a Messages request (count_tokens has no stream)
		want   string
	}{
		{"fine", `{"model":"m","max_tokens":1,"stream":true,"messages":[]}`, true, ""},
		{"stream false", `{"model":"m","stream":false,"messages":[]}`, true, ""},
		{"stream null", `{"model":"m","stream":null,"messages":[]}`, true, ""},
		{"not JSON", `{"model":`, true, "not valid JSON"},
		{"not an object", `[]`, true, "must be a JSON object"},
		{"no model", `{"messages":[]}`, true, "model: Field required"},
		{"model a number", `{"model":5,"messages":[]}`, true, "model: Input should be a non-empty string"},
		{"model twice", `{"model":"a","model":"b","messages":[]}`, true, "more than once"},
		{"model with NUL", `{"model":"a\u0000b","messages":[]}`, true, "printable ASCII"},
		{"model with an escaped newline", `{"model":"a\nb","messages":[]}`, true, "printable ASCII"},
		{"model invalid UTF-8", "{\"model\":\"a\xffb\",\"messages\":[]}", true, "printable ASCII"},
		{"model too long", `{"model":"` + strings.Repeat("x", 300) + `","messages":[]}`, true, "at most 256"},
		{"stream a string", `{"model":"m","stream":"true","messages":[]}`, true, "stream: Input should be a valid boolean"},
		{"stream a number", `{"model":"m","stream":1,"messages":[]}`, true, "stream: Input should be a valid boolean"},
		{"count_tokens ignores stream", `{"model":"m","stream":"true","messages":[]}`, false, ""},
		{"no messages", `{"model":"m"}`, true, "messages: Field required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f jsonscan.Request
			got := requestProblem(&f, jsonscan.ScanRequest([]byte(tt.body), &f), tt.stream)
			if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("requestProblem = %q, want %q", got, tt.want)
			}
		})
	}
}
