package taxonomy

// errorTypes is the Anthropic API's table of HTTP statuses and the
// error.type it answers each with (the API's errors page; 409 conflict_error
// as the SDKs know it). Both faces read it: [Classify] for an SSE error
// event, the gateway for the status it answers such an event with.
var errorTypes = [...]struct {
	status int
	typ    string
}{
	{400, "invalid_request_error"},
	{401, "authentication_error"},
	{402, "billing_error"},
	{403, "permission_error"},
	{404, "not_found_error"},
	{409, "conflict_error"},
	{413, "request_too_large"},
	{429, "rate_limit_error"},
	{500, "api_error"},
	{504, "timeout_error"},
	{529, "overloaded_error"},
}

// ErrorType returns the error.type the API answers an HTTP error status
// with: the table's, else invalid_request_error for another 4xx (as the
// API's errors page says) and api_error for anything else.
func ErrorType(status int) string {
	for _, e := range errorTypes {
		if e.status == status {
			return e.typ
		}
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

// StatusOf returns the HTTP status the API answers an error.type with; 500,
// api_error's, for a type the table does not know.
func StatusOf(errorType string) int {
	for _, e := range errorTypes {
		if e.typ == errorType {
			return e.status
		}
	}
	return 500
}
