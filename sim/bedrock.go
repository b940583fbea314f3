package sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// bedrockVersion is the anthropic_version Bedrock's InvokeModel requires.
const bedrockVersion = "bedrock-2023-05-31"

// handleInvoke answers Bedrock's POST /model/{modelId}/invoke and
// /invoke-with-response-stream: the body is the first-party one without
// model and stream, with anthropic_version "bedrock-2023-05-31" (and
// optionally anthropic_beta); the answer is the first-party message, or the
// events in an AWS event stream.
func (s *Server) handleInvoke(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	model := bedrockModel(rt.model)
	first, err := providerBody(body, bedrockVersion, model, rt.stream, true)
	if err != nil {
		s.count(r, model, "invalid")
		s.writeError(w, r, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	s.messages(w, r, first)
}

// providerBody checks a Bedrock or Vertex body and turns it into the
// first-party body for model: it must have no model (nor, for Bedrock, a
// stream), anthropic_version equal to version (or a first-party version
// date such as "2023-06-01": the official Go SDK's provider packages move
// the anthropic-version header there), and anthropic_beta, when present, a
// list of strings. model and, when stream, "stream": true are
// put in; anthropic_version and anthropic_beta are taken out.
func providerBody(body []byte, version, model string, stream, bedrock bool) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, invalid("Malformed input request: the body must be a JSON object, please reformat your input and try again.")
	}
	if _, ok := top["model"]; ok {
		return nil, invalid("Malformed input request: #: extraneous key [model] is not permitted, please reformat your input and try again.")
	}
	if _, ok := top["stream"]; ok && bedrock {
		return nil, invalid("Malformed input request: #: extraneous key [stream] is not permitted, please reformat your input and try again.")
	}
	var v string
	if raw, ok := top["anthropic_version"]; !ok || json.Unmarshal(raw, &v) != nil || v != version && !apiDate.MatchString(v) {
		return nil, invalidf("Invalid API version: anthropic_version must be %q.", version)
	}
	if raw, ok := top["anthropic_beta"]; ok {
		var betas []string
		if json.Unmarshal(raw, &betas) != nil {
			return nil, invalid("Malformed input request: #/anthropic_beta: expected type: JSONArray of strings, please reformat your input and try again.")
		}
	}
	delete(top, "anthropic_version")
	delete(top, "anthropic_beta")
	top["model"] = marshal(model)
	if stream {
		top["stream"] = json.RawMessage("true")
	}
	return marshal(top), nil
}

var (
	apiDate         = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	bedrockRegion   = regexp.MustCompile(`^(?:us|eu|apac|au|jp|ca|global|us-gov)\.`)
	bedrockIDSuffix = regexp.MustCompile(`-v\d+(?::\d+)?$|:\d+$`)
)

// bedrockModel maps a Bedrock model id (a foundation model, an inference
// profile, or an ARN of either) to the first-party model name:
// "us.anthropic.claude-sonnet-5-5-v1:0" and
// "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-sonnet-5-5-v1:0"
// are "claude-sonnet-5-5". An id in another form is kept as it is.
func bedrockModel(id string) string {
	m := id
	if strings.HasPrefix(m, "arn:") {
		if i := strings.LastIndexByte(m, '/'); i >= 0 {
			m = m[i+1:]
		}
	}
	m = bedrockRegion.ReplaceAllString(m, "")
	m = strings.TrimPrefix(m, "anthropic.")
	return bedrockIDSuffix.ReplaceAllString(m, "")
}

// setBedrockUsage sets the token-count headers of a non-streaming
// InvokeModel answer.
func setBedrockUsage(h http.Header, req *request, ans *answer) {
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(req.inputTokens))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(max(1, ans.units())))
	h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "0")
	h.Set("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", "0")
}

// bedrockException is the exception Bedrock answers for a status (or the
// error type a rule names: an AWS exception name is kept as it is), and the
// status it answers with. 529, which Bedrock never sends, becomes 503
// ServiceUnavailableException.
func bedrockException(status int, errType string) (string, int) {
	if strings.HasSuffix(errType, "Exception") {
		return errType, status
	}
	switch {
	case status == http.StatusTooManyRequests || errType == "rate_limit_error":
		return "ThrottlingException", status
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "AccessDeniedException", http.StatusForbidden
	case status == http.StatusNotFound:
		return "ResourceNotFoundException", status
	case status == http.StatusRequestTimeout:
		return "ModelTimeoutException", status
	case status == 424:
		return "ModelErrorException", status
	case status == http.StatusServiceUnavailable, status == 529:
		return "ServiceUnavailableException", http.StatusServiceUnavailable
	case status >= 500:
		return "InternalServerException", status
	}
	return "ValidationException", status
}

// writeBedrockError answers in Bedrock's error shape: the x-amzn-errortype
// header and {"message": msg}.
func writeBedrockError(w http.ResponseWriter, status int, errType, msg string) {
	exc, status := bedrockException(status, errType)
	h := w.Header()
	h.Set("X-Amzn-Errortype", exc+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	h.Del("Content-Length")
	writeJSON(w, status, marshal(struct {
		Message string `json:"message"`
	}{msg}))
}

// newUUID is a random version-4 UUID, as Bedrock's request ids are.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
