package sse_test

import (
	"bytes"
	"encoding/json"
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
