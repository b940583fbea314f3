package redact

import (
	"net/url"
	"strings"
)

// URL returns u as a string without its userinfo (user:password@).
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	return c.String()
}

// Userinfo returns s with the userinfo (user:password@) removed from every
// URL in it ("scheme://user:pass@host/..." becomes "scheme://host/..."), and
// s itself when there is none. s need not parse as a URL: it may be a whole
// error message, or a URL too malformed for url.Parse.
func Userinfo(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		auth := i + 3
		end := auth + strings.IndexAny(rest[auth:], "/?# \t\r\n\"'<>")
		if end < auth {
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[auth:end], '@')
		if at < 0 {
			b.WriteString(rest[:end])
		} else {
			b.WriteString(rest[:auth])
			b.WriteString(rest[auth+at+1 : end])
		}
		rest = rest[end:]
	}
	if b.Len()+len(rest) == len(s) {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// URLSecrets returns the user name and password of a URL's userinfo, to
// register as secrets; nil when it has none or does not parse.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	p, _ := u.User.Password()
	return []string{u.User.Username(), p}
}
