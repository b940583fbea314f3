package gateway

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// maxModelBytes is the longest model name accepted: 256 bytes (DESIGN §7).
const maxModelBytes = 256

// badContentType returns what is wrong with a request's Content-Type for a
// JSON endpoint, or "" when it is fine: application/json, any case, with
// parameters, charset utf-8 if one is named. An absent Content-Type is fine
// too: the body must still be one JSON object, and the upstream is sent
// application/json (clients that omit the header — a script, a proxy that
// drops it — send JSON; a header that names another type is a mistake
// worth pointing at, such as curl -d's application/x-www-form-urlencoded).
func badContentType(ct string) string {
	if ct == "" || ct == "application/json" {
		return ""
	}
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil || mt != "application/json":
		return "content-type: the body must be JSON, sent with content-type: application/json; got " +
			quoteShort(ct) + " (with curl, add -H 'content-type: application/json')."
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") && !strings.EqualFold(params["charset"], "utf8"):
		return "content-type: a JSON body is UTF-8; got charset " + quoteShort(params["charset"]) + "."
	}
	return ""
}

// badModel returns what is wrong with a model name, or "" when it is 1–256
// bytes of printable ASCII with no spaces (0x21–0x7e), the only names the
// API knows and the only ones safe to echo in bulwark-model-used.
func badModel(model string) string {
	switch {
	case model == "":
		return "model: Input should be a non-empty string"
	case len(model) > maxModelBytes:
		return "model: must be at most " + strconv.Itoa(maxModelBytes) + " bytes; got " + strconv.Itoa(len(model)) + "."
	}
	for i := 0; i < len(model); i++ {
		if c := model[i]; c < 0x21 || c > 0x7e {
			return "model: must be printable ASCII with no spaces; got " + quoteShort(model) + "."
		}
	}
	return ""
}

// requestProblem returns what is wrong with the scanned body of a Messages
// request (checkStream) or a count_tokens one, or "" when the gateway
// finds nothing wrong; the rest is the upstream's to judge. err is
// jsonscan.ScanRequest's.
func requestProblem(f *jsonscan.Request, err error, checkStream bool) string {
	switch {
	case err == jsonscan.ErrNotObject:
		return "The request body must be a JSON object."
	case err != nil:
		return "The request body is not valid JSON."
	case !f.HasModel:
		return "model: Field required"
	case !f.ModelIsString:
		return "model: Input should be a non-empty string"
	case f.DupModel:
		return "model: given more than once"
	}
	if msg := badModel(f.Model); msg != "" {
		return msg
	}
	switch {
	case checkStream && f.StreamNotBool:
		return "stream: Input should be a valid boolean"
	case !f.HasMessages:
		return "messages: Field required"
	}
	return ""
}

// checkContentType answers 400 when the request's Content-Type is not JSON.
func (x *exchange) checkContentType() bool {
	if msg := badContentType(x.r.Header.Get("Content-Type")); msg != "" {
		x.fail(http.StatusBadRequest, "invalid_request_error", msg, 0)
		return false
	}
	return true
}

// checkBody scans the body and answers 400, with no upstream call, when it
// is not a request the API would take (DESIGN §7).
func (x *exchange) checkBody(checkStream bool) bool {
	if msg := requestProblem(&x.f, jsonscan.ScanRequest(x.body, &x.f), checkStream); msg != "" {
		if badModel(x.f.Model) != "" {
			x.f.Model = "" // never logged nor counted: it may be 20 KB of control bytes
		}
		x.fail(http.StatusBadRequest, "invalid_request_error", msg, 0)
		return false
	}
	return true
}
