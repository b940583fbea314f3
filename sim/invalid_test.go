package sim_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/bulwarkhq/bulwark/sim"
)

func TestInvalidRequestsGetTheRealAPIErrors(t *testing.T) {
	s, _, url := start(t)
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		errType, message         string
	}{
		{"bad JSON", "POST", "/v1/messages", `{"model":`, 400, "invalid_request_error", "error parsing the body"},
		{"not an object", "POST", "/v1/messages", `[1,2]`, 400, "invalid_request_error", "JSON object"},
		{"no model", "POST", "/v1/messages", `{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "model: Field required"},
		{"model not a string", "POST", "/v1/messages", `{"model":5,"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "model: Input should be a valid string"},
		{"no max_tokens", "POST", "/v1/messages", `{"model":"m","messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "max_tokens: Field required"},
		{"max_tokens zero", "POST", "/v1/messages", `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1"},
		{"max_tokens not a number", "POST", "/v1/messages", `{"model":"m","max_tokens":"many","messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "max_tokens: Input should be a valid integer"},
		{"no messages", "POST", "/v1/messages", `{"model":"m","max_tokens":5}`, 400, "invalid_request_error", "messages: Field required"},
		{"empty messages", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[]}`, 400, "invalid_request_error", "messages: at least one message is required"},
		{"bad role", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"robot","content":"x"}]}`, 400, "invalid_request_error", "messages.0.role: Input should be 'user', 'assistant' or 'system'"},
		{"no content", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}`, 400, "invalid_request_error", "messages.0.content: Field required"},
		{"stream not a bool", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"stream":"yes","messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "stream: Input should be a valid boolean"},
		{"tool without schema", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"tools":[{"name":"t"}],"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "tools.0.input_schema: Field required"},
		{"unknown block type", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"hologram"}]}]}`, 400, "invalid_request_error", "messages.0.content.0: Input tag 'hologram'"},
		{"system message with an image", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},{"role":"system","content":[{"type":"image"}]}]}`, 400, "invalid_request_error", "messages.1.content.0.type: Input should be 'text'"},
		{"empty system message", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},{"role":"system","content":[]}]}`, 400, "invalid_request_error", "messages.1: a system message needs content or output_config"},
		{"clear_at on a user message", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x","clear_at":"never"}]}`, 400, "invalid_request_error", "messages.0.clear_at: Extra inputs are not permitted"},
		{"bad clear_at", "POST", "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},{"role":"system","content":"y","clear_at":"soon"}]}`, 400, "invalid_request_error", "messages.1.clear_at: Input should be 'next_user_message' or 'never'"},
		{"count_tokens without messages", "POST", "/v1/messages/count_tokens", `{"model":"m"}`, 400, "invalid_request_error", "messages: Field required"},
		{"wrong method", "GET", "/v1/messages", ``, 405, "not_found_error", "Method Not Allowed"},
		{"unknown path", "POST", "/v1/complete", `{}`, 404, "not_found_error", "Not Found"},
		{"unknown model id", "GET", "/v1/models/claude-nope", ``, 404, "not_found_error", "model: claude-nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, b := do(t, c.method, url+c.path, c.body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, b)
			}
			e := decodeError(t, b)
			if e.Error.Type != c.errType || !strings.Contains(e.Error.Message, c.message) {
				t.Errorf("got %s %q, want %s containing %q", e.Error.Type, e.Error.Message, c.errType, c.message)
			}
		})
	}
	st := s.Stats()
	if got := st.Models["m"].Outcomes["invalid"] + st.Models[""].Outcomes["invalid"]; got != 22 {
		t.Errorf("invalid counted %d times, want 22: %+v", got, st.Models)
	}
}

func TestBodiesOver32MiBAreTooLarge(t *testing.T) {
	s := sim.New()
	for _, declared := range []bool{true, false} {
		prefix := `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"`
		r := httptest.NewRequest("POST", "/v1/messages", io.MultiReader(strings.NewReader(prefix), io.LimitReader(aaa{}, 32<<20)))
		r.ContentLength = -1 // chunked: the limit is found while reading
		if declared {
			r.ContentLength = int64(len(prefix) + 32<<20) // refused before reading
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code != 413 {
			t.Fatalf("declared %v: status %d", declared, rec.Code)
		}
		if e := decodeError(t, rec.Body.Bytes()); e.Error.Type != "request_too_large" || !strings.Contains(e.Error.Message, "32 MB") {
			t.Errorf("declared %v: %s %q", declared, e.Error.Type, e.Error.Message)
		}
	}
	if got := s.Stats().Models[""].Outcomes["invalid"]; got != 2 {
		t.Errorf("invalid counted %d", got)
	}
}

// aaa reads as an endless run of 'a'.
type aaa struct{}

func (aaa) Read(p []byte) (int, error) { return copy(p, manyAs), nil }

var manyAs = []byte(strings.Repeat("a", 64<<10))

func TestInvalidRequestThroughTheSDK(t *testing.T) {
	_, client, _ := start(t)
	_, err := client.Messages.New(ctx(t), anthropic.MessageNewParams{Model: "claude-sonnet-5-5", MaxTokens: 5})
	if e := asAPIError(t, err); e.StatusCode != 400 || e.Type() != "invalid_request_error" || e.Message != "messages: Field required" {
		t.Errorf("got %d %s %q", e.StatusCode, e.Type(), e.Message)
	}
}

func TestOddButValidRequestsAreAnswered(t *testing.T) {
	s := sim.New()
	for _, b := range []string{
		`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":""}]}]}`,
		`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"   "}]}`,
		`{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":"prefill"}]}`,
		`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"be brief"}],"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]}`,
		`{"model":"m","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"web_search please"}]}`,
		`{"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"x"}]}`,
	} {
		if rec := serve(s, "POST", "/v1/messages", b); rec.Code != 200 {
			t.Errorf("%s: %d %s", b, rec.Code, rec.Body)
		}
	}
}
