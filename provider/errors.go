package provider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// apiError is an error as the first-party API states it: the HTTP status
// and error.type.
type apiError struct {
	status int
	typ    string
}

// awsErrors maps an AWS error code (x-amzn-errortype, a JSON __type or
// code, or an event stream's :exception-type; matched without regard to
// case, so throttlingException is ThrottlingException) to the first-party
// error it means.
var awsErrors = map[string]apiError{
	"throttlingexception":                    {429, "rate_limit_error"},
	"servicequotaexceededexception":          {429, "rate_limit_error"},
	"toomanyrequestsexception":               {429, "rate_limit_error"},
	"serviceunavailableexception":            {529, "overloaded_error"},
	"modelnotreadyexception":                 {529, "overloaded_error"},
	"modelstreamerrorexception":              {529, "overloaded_error"},
	"internalserverexception":                {500, "api_error"},
	"internalfailure":                        {500, "api_error"},
	"modelerrorexception":                    {500, "api_error"},
	"modeltimeoutexception":                  {504, "timeout_error"},
	"validationexception":                    {400, "invalid_request_error"},
	"serializationexception":                 {400, "invalid_request_error"},
	"accessdeniedexception":                  {403, "permission_error"},
	"unrecognizedclientexception":            {401, "authentication_error"},
	"invalidsignatureexception":              {401, "authentication_error"},
	"incompletesignatureexception":           {401, "authentication_error"},
	"missingauthenticationtokenexception":    {401, "authentication_error"},
	"expiredtokenexception":                  {401, "authentication_error"},
	"invalidclienttokenid":                   {401, "authentication_error"},
	"resourcenotfoundexception":              {404, "not_found_error"},
	"requestentitytoolargeexception":         {413, "request_too_large"},
	"contentlengthexceededexception":         {413, "request_too_large"},
	"conflictexception":                      {409, "invalid_request_error"},
	"resourceinuseexception":                 {409, "invalid_request_error"},
	"operationnotpermittedexception":         {403, "permission_error"},
	"insufficientpermissionsexception":       {403, "permission_error"},
	"unauthorizedexception":                  {401, "authentication_error"},
	"accessdenied":                           {403, "permission_error"},
	"throttling":                             {429, "rate_limit_error"},
	"requestlimitexceeded":                   {429, "rate_limit_error"},
	"provisionedthroughputexceededexception": {429, "rate_limit_error"},
}

// googleErrors maps a Google error status (google.rpc.Code name) to the
// first-party error it means.
var googleErrors = map[string]apiError{
	"RESOURCE_EXHAUSTED":  {429, "rate_limit_error"},
	"UNAVAILABLE":         {529, "overloaded_error"},
	"INTERNAL":            {500, "api_error"},
	"UNKNOWN":             {500, "api_error"},
	"DATA_LOSS":           {500, "api_error"},
	"INVALID_ARGUMENT":    {400, "invalid_request_error"},
	"FAILED_PRECONDITION": {400, "invalid_request_error"},
	"OUT_OF_RANGE":        {400, "invalid_request_error"},
	"PERMISSION_DENIED":   {403, "permission_error"},
	"UNAUTHENTICATED":     {401, "authentication_error"},
	"NOT_FOUND":           {404, "not_found_error"},
	"DEADLINE_EXCEEDED":   {504, "timeout_error"},
	"ABORTED":             {409, "invalid_request_error"},
	"ALREADY_EXISTS":      {409, "invalid_request_error"},
	"UNIMPLEMENTED":       {404, "not_found_error"},
}

// awsError returns the first-party error an AWS error code means.
func awsError(code string) (apiError, bool) {
	// "ThrottlingException:http://internal.amazon.com/coral/...", or a
	// JSON __type "com.amazon.bedrock#ThrottlingException".
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	e, ok := awsErrors[strings.ToLower(strings.TrimSpace(code))]
	return e, ok
}

// isAnthropicError reports whether body is an Anthropic-shaped error:
// {"type":"error","error":{"type":...}}.
func isAnthropicError(body []byte) bool {
	var e struct {
		Type  string `json:"type"`
		Error *struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Type == "error" && e.Error != nil && e.Error.Type != ""
}

// translateError is the pure part of Response for an error answer of an
// upstream of kind k: the status and Anthropic error body it stands for.
// changed is false when body is already Anthropic-shaped (kept as it is).
// The rest is read as AWS shapes (x-amzn-errortype, {"message"} /
// {"Message"}, __type, code), Google's ({"error":{"code","message",
// "status"}}, alone or in a JSON array), Azure's ({"error":{"code",
// "message"}}) or nothing known, then mapped by meaning or, failing that,
// by status (taxonomy.ErrorType); requestID, when not empty, goes into the
// body as the API's does.
func translateError(status int, h http.Header, body []byte, requestID string) (newStatus int, out []byte, changed bool) {
	if isAnthropicError(body) {
		return status, body, false
	}
	var f errorFields
	f.read(body)
	e, ok := apiError{}, false
	if code := h.Get("X-Amzn-Errortype"); code != "" {
		e, ok = awsError(code)
	}
	if !ok && f.awsCode != "" {
		e, ok = awsError(f.awsCode)
	}
	if !ok && f.googleStatus != "" {
		e, ok = googleErrors[f.googleStatus]
	}
	if !ok {
		e = apiError{status, taxonomy.ErrorType(status)}
		if status == http.StatusServiceUnavailable {
			e.typ = "overloaded_error"
		}
	}
	msg := f.message
	if msg == "" {
		msg = "upstream answered " + http.StatusText(status)
		if http.StatusText(status) == "" {
			msg = "upstream error"
		}
	}
	return e.status, sse.AppendError(nil, e.typ, msg, requestID), true
}

// errorFields are what the error shapes of the clouds say.
type errorFields struct {
	message      string
	awsCode      string // __type or code
	googleStatus string // error.status
}

// read fills f from body, if it is JSON in one of the known shapes.
func (f *errorFields) read(body []byte) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(body, &arr) != nil || len(arr) == 0 {
			return
		}
		body = arr[0]
	}
	var v struct {
		Message  string          `json:"message"`
		Message2 string          `json:"Message"`
		Type     string          `json:"__type"`
		Code     json.RawMessage `json:"code"`
		Error    json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return
	}
	f.message = firstNonEmpty(v.Message, v.Message2)
	f.awsCode = v.Type
	var code string
	if json.Unmarshal(v.Code, &code) == nil && f.awsCode == "" {
		f.awsCode = code
	}
	var ge struct {
		Message string          `json:"message"`
		Status  string          `json:"status"`
		Code    json.RawMessage `json:"code"`
	}
	if json.Unmarshal(v.Error, &ge) == nil {
		f.message = firstNonEmpty(ge.Message, f.message)
		f.googleStatus = ge.Status
		if json.Unmarshal(ge.Code, &code) == nil && f.awsCode == "" {
			f.awsCode = code // Azure: {"error":{"code":"429","message":...}}; mapped only if it is a known name
		}
	}
	var s string
	if f.message == "" && json.Unmarshal(v.Error, &s) == nil {
		f.message = s
	}
}
