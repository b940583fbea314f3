package provider

import (
	"net/http"
	"testing"
)

func TestTranslateErrorByMeaning(t *testing.T) {
	aws := func(code string) http.Header { return http.Header{"X-Amzn-Errortype": {code}} }
	cases := []struct {
		name   string
		status int
		h      http.Header
		body   string
		id     string
		want   int
		out    string
	}{
		{"bedrock throttling", 400, aws("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
			`{"message":"Too many requests, please wait before trying again."}`, "rid",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"Too many requests, please wait before trying again."},"request_id":"rid"}`},
		{"bedrock unavailable", 503, aws("ServiceUnavailableException"), `{"message":"busy"}`, "",
			529, `{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`},
		{"bedrock model not ready", 429, aws("ModelNotReadyException"), `{"message":"warming"}`, "",
			529, `{"type":"error","error":{"type":"overloaded_error","message":"warming"}}`},
		{"bedrock internal", 500, aws("InternalServerException"), `{"message":"x"}`, "",
			500, `{"type":"error","error":{"type":"api_error","message":"x"}}`},
		{"bedrock model timeout", 408, aws("ModelTimeoutException"), `{"message":"slow"}`, "",
			504, `{"type":"error","error":{"type":"timeout_error","message":"slow"}}`},
		{"bedrock validation", 400, aws("ValidationException"), `{"message":"bad"}`, "",
			400, `{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}`},
		{"bedrock access denied", 403, aws("AccessDeniedException"), `{"Message":"no"}`, "",
			403, `{"type":"error","error":{"type":"permission_error","message":"no"}}`},
		{"bedrock unrecognized client", 403, aws("UnrecognizedClientException"), `{"message":"who"}`, "",
			401, `{"type":"error","error":{"type":"authentication_error","message":"who"}}`},
		{"bedrock not found", 404, aws("ResourceNotFoundException"), `{"message":"gone"}`, "",
			404, `{"type":"error","error":{"type":"not_found_error","message":"gone"}}`},
		{"aws __type in the body", 400, http.Header{}, `{"__type":"com.amazon.coral#ThrottlingException","message":"m"}`, "",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"m"}}`},
		{"google exhausted", 429, http.Header{},
			`{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}`, "",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"Quota exceeded"}}`},
		{"google in an array", 429, http.Header{},
			`[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]`, "",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"Quota exceeded"}}`},
		{"google unavailable", 503, http.Header{}, `{"error":{"code":503,"message":"u","status":"UNAVAILABLE"}}`, "",
			529, `{"type":"error","error":{"type":"overloaded_error","message":"u"}}`},
		{"google internal", 500, http.Header{}, `{"error":{"code":500,"message":"i","status":"INTERNAL"}}`, "",
			500, `{"type":"error","error":{"type":"api_error","message":"i"}}`},
		{"google invalid", 400, http.Header{}, `{"error":{"code":400,"message":"v","status":"INVALID_ARGUMENT"}}`, "",
			400, `{"type":"error","error":{"type":"invalid_request_error","message":"v"}}`},
		{"google precondition", 400, http.Header{}, `{"error":{"code":400,"message":"p","status":"FAILED_PRECONDITION"}}`, "",
			400, `{"type":"error","error":{"type":"invalid_request_error","message":"p"}}`},
		{"google denied", 403, http.Header{}, `{"error":{"code":403,"message":"d","status":"PERMISSION_DENIED"}}`, "",
			403, `{"type":"error","error":{"type":"permission_error","message":"d"}}`},
		{"google unauthenticated", 401, http.Header{}, `{"error":{"code":401,"message":"a","status":"UNAUTHENTICATED"}}`, "",
			401, `{"type":"error","error":{"type":"authentication_error","message":"a"}}`},
		{"google not found", 404, http.Header{}, `{"error":{"code":404,"message":"n","status":"NOT_FOUND"}}`, "",
			404, `{"type":"error","error":{"type":"not_found_error","message":"n"}}`},
		{"google deadline", 504, http.Header{}, `{"error":{"code":504,"message":"t","status":"DEADLINE_EXCEEDED"}}`, "",
			504, `{"type":"error","error":{"type":"timeout_error","message":"t"}}`},
		{"azure shape, by status", 429, http.Header{}, `{"error":{"code":"429","message":"Rate limit"}}`, "",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit"}}`},
		{"html from a proxy", 502, http.Header{}, `<html>Bad Gateway</html>`, "",
			502, `{"type":"error","error":{"type":"api_error","message":"upstream answered Bad Gateway"}}`},
		{"empty 503", 503, http.Header{}, ``, "",
			503, `{"type":"error","error":{"type":"overloaded_error","message":"upstream answered Service Unavailable"}}`},
		{"an unknown aws code falls back to status", 429, aws("SomethingNewException"), `{"message":"n"}`, "",
			429, `{"type":"error","error":{"type":"rate_limit_error","message":"n"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out, changed := translateError(c.status, c.h, []byte(c.body), c.id)
			if !changed || status != c.want || string(out) != c.out {
				t.Fatalf("got %d %s (changed %v)\nwant %d %s", status, out, changed, c.want, c.out)
			}
		})
	}
}

func TestTranslateErrorKeepsAnthropicErrors(t *testing.T) {
	body := `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}`
	status, out, changed := translateError(529, http.Header{"X-Amzn-Errortype": {"ThrottlingException"}}, []byte(body), "x")
	if changed || status != 529 || string(out) != body {
		t.Fatalf("an Anthropic error was changed: %d %s %v", status, out, changed)
	}
}

func TestStreamExceptionNamesMapLikeTheirHTTPForms(t *testing.T) {
	cases := map[string]string{
		"throttlingException":         "rate_limit_error",
		"modelStreamErrorException":   "overloaded_error",
		"serviceUnavailableException": "overloaded_error",
		"internalServerException":     "api_error",
		"validationException":         "invalid_request_error",
		"modelTimeoutException":       "timeout_error",
	}
	for code, want := range cases {
		if e, ok := awsError(code); !ok || e.typ != want {
			t.Errorf("%s: %v %v, want %s", code, e, ok, want)
		}
	}
}
