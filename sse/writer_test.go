package sse_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/sse"
)

func TestWriteErrorIsAnAnthropicErrorEvent(t *testing.T) {
	var b bytes.Buffer
	if err := sse.WriteError(&b, "overloaded_error", "stream \"stalled\"\nafter 3 events"); err != nil {
		t.Fatal(err)
	}
	r := sse.NewReader(&b)
	ev, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Name) != "error" {
		t.Fatalf("name = %q", ev.Name)
	}
	var body struct {
		Type  string `json:"type"`
		Error struct {
			Type, Message string
		} `json:"error"`
	}
	if err := json.Unmarshal(ev.Data, &body); err != nil {
		t.Fatalf("data %q: %v", ev.Data, err)
	}
	if body.Type != "error" || body.Error.Type != "overloaded_error" || body.Error.Message != "stream \"stalled\"\nafter 3 events" {
		t.Fatalf("body = %+v", body)
	}
}

func TestWriteEvent(t *testing.T) {
	var b bytes.Buffer
	_ = sse.WriteEvent(&b, "ping", []byte(`{"type":"ping"}`))
	_ = sse.WriteEvent(&b, "", []byte(`1`))
	if want := "event: ping\ndata: {\"type\":\"ping\"}\n\ndata: 1\n\n"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
}

func TestAppendErrorWithRequestID(t *testing.T) {
	got := string(sse.AppendError(nil, "api_error", "down", "req_1"))
	want := `{"type":"error","error":{"type":"api_error","message":"down"},"request_id":"req_1"}`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x00\x01\x1f\t\r\n", "<html>&", "ünï 日本",
		"bad\xffutf8", "sep\u2028\u2029", strings.Repeat("é", 40)} {
		want, _ := json.Marshal(s)
		if got := sse.AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := sse.AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
