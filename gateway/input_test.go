package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// badInputCase is one request the API would reject; the gateway must answer
// it 400 invalid_request_error itself.
type badInputCase struct {
	name, path, body, contentType, want string
}

func badInputCases() []badInputCase {
	const msgs = `"max_tokens":8,"messages":[{"role":"user","content":"hi"}]`
	withModel := func(model string) string { return `{"model":` + model + `,` + msgs + `}` }
	var cases []badInputCase
	for _, path := range []string{"/v1/messages", "/v1/messages/count_tokens"} {
		cases = append(cases,
			badInputCase{"model with a NUL", path, withModel(`"claude-sonnet-5-5\u0000"`), "", "printable ASCII"},
			badInputCase{"model with CR LF", path, withModel(`"claude\r\nX-Injected: yes"`), "", "printable ASCII"},
			badInputCase{"model with a control byte", path, withModel(`"claude\u001b[31m"`), "", "printable ASCII"},
			badInputCase{"model of invalid UTF-8", path, withModel("\"claude-\xff\xfe\""), "", "printable ASCII"},
			badInputCase{"model with a space", path, withModel(`"claude sonnet"`), "", "no spaces"},
			badInputCase{"model of 10 KB", path, withModel(`"` + strings.Repeat("m", 10<<10) + `"`), "", "at most 256 bytes"},
			badInputCase{"model of 20 KB", path, withModel(`"` + strings.Repeat("m", 20<<10) + `"`), "", "at most 256 bytes"},
			badInputCase{"model empty", path, withModel(`""`), "", "non-empty"},
			badInputCase{"form-encoded body", path, messagesBody(sonnet, "hi", false), "application/x-www-form-urlencoded", "content-type"},
			badInputCase{"text body", path, messagesBody(sonnet, "hi", false), "text/plain;charset=UTF-8", "content-type"},
			badInputCase{"multipart body", path, messagesBody(sonnet, "hi", false), "multipart/form-data; boundary=x", "content-type"},
		)
	}
	return append(cases,
		badInputCase{"stream a string", "/v1/messages", `{"model":"claude-sonnet-5-5","stream":"true",` + msgs + `}`, "", "stream: Input should be a valid boolean"},
		badInputCase{"stream a number", "/v1/messages", `{"model":"claude-sonnet-5-5","stream":1,` + msgs + `}`, "", "stream: Input should be a valid boolean"},
		badInputCase{"agent form-encoded", "/v1/agent", `{"message":"hi"}`, "application/x-www-form-urlencoded", "content-type"},
	)
}

func TestGatewayRejectsInputTheAPIWouldRejectWithoutAnUpstreamCall(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	for _, tt := range badInputCases() {
		t.Run(tt.path+" "+tt.name, func(t *testing.T) {
			before := totalRequests(s)
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			resp, b := call(t, "POST", g.url+tt.path, tt.body, "Content-Type", ct)
			typ, msg, rid := anthropicError(t, b)
			if resp.StatusCode != 400 || typ != "invalid_request_error" || !strings.Contains(msg, tt.want) {
				t.Fatalf("%d %s, want 400 invalid_request_error with %q", resp.StatusCode, b, tt.want)
			}
			if len(b) > 1024 {
				t.Fatalf("a %d-byte error echoes the input whole", len(b))
			}
			if rid == "" || resp.Header.Get("request-id") != rid || resp.Header.Get("bulwark-model-used") != "" {
				t.Fatalf("headers %v", resp.Header)
			}
			if resp.Header.Get("x-should-retry") != "false" {
				t.Fatalf("x-should-retry %q on the gateway's own 400", resp.Header.Get("x-should-retry"))
			}
			if n := totalRequests(s) - before; n != 0 {
				t.Fatalf("%d upstream calls", n)
			}
		})
	}
}

func TestGatewayTakesJSONWhateverTheCaseOrCharsetAndWithNoContentType(t *testing.T) {
	s, up := startSim(t)
	g := startGateway(t, up)
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8", "none"} {
		for _, path := range []string{"/v1/messages", "/v1/messages/count_tokens", "/v1/agent"} {
			body := messagesBody(sonnet, "hi", false)
			if path == "/v1/agent" {
				body = `{"message":"hi"}`
			}
			req, err := http.NewRequest("POST", g.url+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if ct != "none" {
				req.Header.Set("Content-Type", ct)
			}
			before := totalRequests(s)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || totalRequests(s)-before != 1 {
				t.Fatalf("%s with content-type %s: %d %s, %d upstream calls", path, ct, resp.StatusCode, b, totalRequests(s)-before)
			}
		}
	}
	if st := s.Stats(); st.Models[sonnet].Outcomes["invalid"] != 0 {
		t.Fatalf("the simulator judged a body invalid: %+v", st.Models[sonnet])
	}
}
