package redact

import (
	"net/http"
	"strings"
)

// Header returns h with every secret in its values replaced by Marker and
// every field whose name holds a secret dropped (Marker is no valid field
// name); h itself, not a copy, when it holds none.
func (r *Redactor) Header(h http.Header) http.Header {
	f := r.load()
	if f == nil || !f.inHeader(h) {
		return h
	}
	out := make(http.Header, len(h))
	for k, vv := range h {
		if f.inString(k) {
			continue
		}
		c := make([]string, len(vv))
		for i, v := range vv {
			c[i] = r.String(v)
		}
		out[k] = c
	}
	return out
}

func (f *forms) inHeader(h http.Header) bool {
	for k, vv := range h {
		if f.inString(k) {
			return true
		}
		for _, v := range vv {
			if f.inString(v) {
				return true
			}
		}
	}
	return false
}

// Error returns err with secrets and URL userinfo removed from its text; err
// itself when its text holds neither. The result unwraps to err, so that
// errors.Is and errors.As still see what err wraps (whose texts are not
// redacted: print the result, not what it wraps).
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.Text(msg)
	if len(clean) == len(msg) && clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// Text is String plus Userinfo: for free text such as an error message.
func (r *Redactor) Text(s string) string { return Userinfo(r.String(s)) }

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Credentials returns the credentials a request carries: its x-api-key and
// its Authorization value (the token alone for a Bearer), for a redactor
// of the caller's own key when it is passed upstream.
func Credentials(h http.Header) []string {
	var own []string
	if k := h.Get("X-Api-Key"); k != "" {
		own = append(own, k)
	}
	if a := h.Get("Authorization"); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			a = strings.TrimSpace(a[7:])
		}
		own = append(own, a)
	}
	return own
}
