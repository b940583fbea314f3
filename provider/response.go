package provider

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxErrorBody bounds the read of an error answer: 1 MiB.
const maxErrorBody = 1 << 20

// Response returns resp as the first-party API would have sent it (the
// anthropic kind's resp is returned as it is):
//   - an error status whose body is not Anthropic-shaped gets the status
//     and Anthropic error body it means (see translateError), read bounded
//     to 1 MiB (gzip decoded), Content-Type application/json;
//   - request-id is filled from x-amzn-requestid when missing;
//   - a 2xx Bedrock event stream (application/vnd.amazon.eventstream)
//     becomes a text/event-stream body yielding the first-party SSE (see
//     InvocationMetricsOf for what it keeps aside).
//
// resp's body is consumed or wrapped: close the returned response's body,
// not resp's. stream says whether the request asked for a stream.
func (u *Upstream) Response(resp *http.Response, stream bool) *http.Response {
	if u.s.Kind == Anthropic || resp == nil {
		return resp
	}
	out := *resp
	out.Header = resp.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	if out.Header.Get("Request-Id") == "" {
		if id := out.Header.Get("X-Amzn-Requestid"); id != "" {
			out.Header.Set("Request-Id", id)
		}
	}
	switch {
	case resp.StatusCode >= 400:
		u.errorResponse(&out)
	case resp.StatusCode/100 == 2 && isEventStream(resp.Header):
		out.Body = newEventStreamBody(resp.Body)
		out.Header.Set("Content-Type", "text/event-stream")
		out.Header.Del("Content-Length")
		out.Header.Del("Content-Encoding")
		out.ContentLength = -1
	}
	return &out
}

// errorResponse replaces r's error answer by its first-party form.
func (u *Upstream) errorResponse(r *http.Response) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	_ = r.Body.Close()
	body := raw
	gzipped := strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip")
	if gzipped {
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			body, _ = io.ReadAll(io.LimitReader(zr, maxErrorBody))
		}
	}
	status, out, changed := translateError(r.StatusCode, r.Header, body, r.Header.Get("Request-Id"))
	if !changed {
		out = raw // as it came, encoding and all
	} else {
		r.Header.Del("Content-Encoding")
		r.Header.Set("Content-Type", "application/json")
		r.Uncompressed = false
	}
	r.StatusCode = status
	r.Status = strconv.Itoa(status) + " " + http.StatusText(status)
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	r.Header.Set("Content-Length", strconv.Itoa(len(out)))
}

// isEventStream reports whether h's Content-Type is the AWS event stream.
func isEventStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/vnd.amazon.eventstream"
}
