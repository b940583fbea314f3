package gateway

import (
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestSideEffectIsEveryUnsafeMethodButMessagesAndCountTokens(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"POST", "/v1/messages", false},
		{"POST", "/v1/messages/count_tokens", false},
		{"GET", "/v1/models", false},
		{"GET", "/v1/messages/batches/msgbatch_1/results", false},
		{"HEAD", "/v1/files/f1", false},
		{"OPTIONS", "/v1/files", false},
		{"POST", "/v1/messages/batches", true},
		{"POST", "/v1/messages/batches/msgbatch_1/cancel", true},
		{"POST", "/v1/files", true},
		{"POST", "/v1/messages/", true}, // not the Messages API: nothing is known of it
		{"POST", "/v1/skills", true},
		{"DELETE", "/v1/files/f1", true},
		{"DELETE", "/v1/messages/batches/msgbatch_1", true},
		{"PUT", "/v1/anything", true},
		{"PATCH", "/v1/anything", true},
	}
	for _, tt := range tests {
		if got := sideEffect(tt.method, tt.path); got != tt.want {
			t.Errorf("sideEffect(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestMayRetryResendsASideEffectOnlyWhenTheUpstreamCertainlyDidNothing(t *testing.T) {
	const batches, files = "/v1/messages/batches", "/v1/files"
	tests := []struct {
		name         string
		method, path string
		end          attemptEnd
		want         bool
	}{
		{"no connection", "POST", batches, attemptEnd{}, true},
		{"no connection, delete", "DELETE", "/v1/files/f1", attemptEnd{}, true},
		{"429 before acting", "POST", batches, attemptEnd{connected: true, status: 429}, true},
		{"529 before acting", "POST", files, attemptEnd{connected: true, status: 529}, true},
		{"x-should-retry: true on a 500", "POST", batches, attemptEnd{connected: true, status: 500, shouldRetry: true}, true},
		{"reset once sent", "POST", batches, attemptEnd{connected: true}, false},
		{"timeout once sent", "POST", files, attemptEnd{connected: true}, false},
		{"reset once sent, even with x-should-retry", "POST", batches, attemptEnd{connected: true, shouldRetry: true}, false},
		{"500", "POST", batches, attemptEnd{connected: true, status: 500}, false},
		{"503", "DELETE", "/v1/files/f1", attemptEnd{connected: true, status: 503}, false},
		{"408", "POST", batches, attemptEnd{connected: true, status: 408}, false},
		{"idempotent: reset once sent", "GET", "/v1/models", attemptEnd{connected: true}, true},
		{"idempotent: 500", "GET", "/v1/files/f1", attemptEnd{connected: true, status: 500}, true},
		{"count_tokens: reset once sent", "POST", "/v1/messages/count_tokens", attemptEnd{connected: true}, true},
		{"messages: timeout once sent", "POST", "/v1/messages", attemptEnd{connected: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayRetry(tt.method, tt.path, tt.end); got != tt.want {
				t.Fatalf("mayRetry(%s %s, %+v) = %v, want %v", tt.method, tt.path, tt.end, got, tt.want)
			}
		})
	}
}

func TestConnTraceKnowsNothingWithoutHooks(t *testing.T) {
	var c connTrace
	if !c.connected() {
		t.Fatal("a round tripper that calls no hooks may have sent the request")
	}
	tr := c.clientTrace()
	tr.GetConn("upstream:443")
	if c.connected() {
		t.Fatal("asked for a connection and got none: nothing was sent")
	}
	tr.GotConn(httptrace.GotConnInfo{})
	if !c.connected() {
		t.Fatal("got a connection: the request may have been sent")
	}
}

func TestNotResentSaysTheRequestMayHaveTakenEffect(t *testing.T) {
	for _, tt := range []struct {
		class   taxonomy.Class
		status  int
		errType string
	}{
		{taxonomy.Timeout, 504, "timeout_error"},
		{taxonomy.Network, 502, "api_error"},
	} {
		v := notResent(&engine.Report{Reason: engine.Exhausted, Last: taxonomy.Decision{Class: tt.class}})
		if v.kind != answerError || v.status != tt.status || v.errType != tt.errType || !strings.Contains(v.message, "not sent again") {
			t.Errorf("%v: %+v", tt.class, v)
		}
	}
}
