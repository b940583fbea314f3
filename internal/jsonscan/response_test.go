package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

func TestScanResponseValidatesAndFindsUsageInOnePass(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		valid        bool
		usage, start string // "" for nil
	}{
		{name: "message", body: `{"id":"msg_1","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":3,"output_tokens":1}}`,
			valid: true, usage: `{"input_tokens":3,"output_tokens":1}`},
		{name: "message_start", body: `{"type":"message_start","message":{"id":"m","usage":{"input_tokens":12,"output_tokens":1}}}`,
			valid: true, start: `{"input_tokens":12,"output_tokens":1}`},
		{name: "message_delta", body: `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}`,
			valid: true, usage: `{"output_tokens":15}`},
		{name: "no usage", body: `{"type":"ping"}`, valid: true},
		{name: "usage nested deeper is not the message's", body: `{"content":[{"usage":{"input_tokens":1}}],"delta":{"usage":2}}`, valid: true},
		{name: "the last usage counts", body: `{"usage":{"input_tokens":1},"usage":{"input_tokens":2}}`, valid: true, usage: `{"input_tokens":2}`},
		{name: "an escaped key counts by its name", body: `{"us\u0061ge":{"output_tokens":4}}`, valid: true, usage: `{"output_tokens":4}`},
		{name: "usage null", body: `{"usage":null}`, valid: true, usage: `null`},
		{name: "message not an object", body: `{"message":"hi"}`, valid: true},
		{name: "the last message counts", body: `{"message":{"usage":{"input_tokens":1}},"message":{"id":"m"}}`, valid: true},
		{name: "white space around", body: " {\n \"usage\" : {\"output_tokens\":1} } \n", valid: true, usage: `{"output_tokens":1}`},
		{name: "not an object", body: `[{"usage":{"input_tokens":1}}]`, valid: true},
		{name: "a number", body: `5`, valid: true},
		{name: "truncated", body: `{"usage":{"input_tokens":1}`},
		{name: "trailing garbage", body: `{"usage":{}} x`},
		{name: "bad value after usage", body: `{"usage":{},"x":tru}`},
		{name: "empty", body: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r jsonscan.Response
			if got := jsonscan.ScanResponse([]byte(tt.body), &r); got != tt.valid {
				t.Fatalf("ScanResponse = %v, want %v", got, tt.valid)
			}
			if !tt.valid {
				return
			}
			if !sameRaw(r.Usage, tt.usage) || !sameRaw(r.MessageUsage, tt.start) {
				t.Fatalf("usage %q, message usage %q; want %q, %q", r.Usage, r.MessageUsage, tt.usage, tt.start)
			}
		})
	}
}

func TestScanResponseForgetsTheBodyBefore(t *testing.T) {
	r := jsonscan.Response{Usage: []byte(`{}`), MessageUsage: []byte(`{}`)}
	if !jsonscan.ScanResponse([]byte(`{"type":"ping"}`), &r) || r.Usage != nil || r.MessageUsage != nil {
		t.Fatalf("after a ping: %+v", r)
	}
}

// sameRaw reports whether raw is want, nil standing for "".
func sameRaw(raw []byte, want string) bool {
	if want == "" {
		return raw == nil
	}
	return string(raw) == want
}

func FuzzScanResponse(f *testing.F) {
	for _, s := range []string{
		`{"type":"message_start","message":{"id":"m","usage":{"input_tokens":12,"output_tokens":1}}}`,
		`{"usage":{"output_tokens":15},"usage":null}`, `{"us\u0061ge":1,"message":{"usage":2},"message":3}`,
		`{"message":{"usage":[1,{"a":"\ud83d"}]}}`, "{\"usage\":\"\xff\"}", `[{"usage":1}]`, `{"usage":1} x`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r jsonscan.Response
		valid := jsonscan.ScanResponse(body, &r)
		if valid != json.Valid(body) {
			t.Fatalf("ScanResponse = %v, json.Valid = %v", valid, !valid)
		}
		var m map[string]json.RawMessage
		if !valid || json.Unmarshal(body, &m) != nil {
			if r.Usage != nil || r.MessageUsage != nil {
				t.Fatalf("usage found in a body that is not an object: %+v", r)
			}
			return
		}
		checkRaw(t, "usage", r.Usage, m)
		var msg map[string]json.RawMessage
		if raw := m["message"]; len(raw) > 0 && raw[0] == '{' {
			if err := json.Unmarshal(raw, &msg); err != nil {
				t.Fatal(err)
			}
		}
		checkRaw(t, "message.usage", r.MessageUsage, msg)
	})
}

// checkRaw fails when got is not what encoding/json reads as m["usage"].
func checkRaw(t *testing.T, what string, got []byte, m map[string]json.RawMessage) {
	t.Helper()
	want, has := m["usage"]
	if (got != nil) != has || !bytes.Equal(got, want) {
		t.Fatalf("%s = %q, encoding/json says %q (%v)", what, got, want, has)
	}
}
