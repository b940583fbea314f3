package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/bulwarkhq/bulwark/sse"
)

// net/http answers a request it cannot read (headers over MaxHeaderBytes, a
// broken request line or header, a bad Content-Length, an unknown
// transfer coding) by itself, before any handler runs, with one write of
// "HTTP/1.1 <status> <text>" + plainErrorHeaders + "<text>" on the raw
// connection. Its header block has exactly this order, which a handler's
// answer never has (net/http writes a handler's headers sorted, and a Date
// after Connection).
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// parsePlainError reports whether p is one of net/http's own plain-text
// error answers, with its status and reason (e.g. "400 Bad Request: missing
// required Host header": net/http's fixed words, never the client's bytes).
// It looks at the status line only, so a handler's answer costs a few bytes.
func parsePlainError(p []byte) (status int, reason string, ok bool) {
	const prefix = "HTTP/1.1 "
	if len(p) < len(prefix)+3 || string(p[:len(prefix)]) != prefix {
		return 0, "", false
	}
	nl := bytes.IndexByte(p, '\n')
	if nl < 1 || !bytes.HasPrefix(p[nl-1:], []byte(plainErrorHeaders)) {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(p[len(prefix) : len(prefix)+3]))
	if err != nil || status < 400 || status > 599 {
		return 0, "", false
	}
	return status, string(bytes.TrimSpace(p[nl-1+len(plainErrorHeaders):])), true
}

// httpLayerError is the Anthropic-shaped answer, with request id id, that
// replaces net/http's plain answer status/reason (parsePlainError); it
// closes the connection as net/http's did. maxHeader is the header limit
// in bytes, named in a 431's message.
func httpLayerError(status int, reason, id string, maxHeader int) []byte {
	errType, msg := "invalid_request_error", ""
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		errType = "request_too_large"
		msg = "Request headers exceed the gateway's limit of " + strconv.Itoa(maxHeader) + " bytes."
	case http.StatusNotImplemented:
		msg = "Unsupported Transfer-Encoding: the gateway takes a body with Content-Length or chunked."
	default:
		msg = "The request could not be read as HTTP/1.1 (" + reason + ")."
	}
	body := sse.AppendError(make([]byte, 0, 256), errType, msg, id)
	b := make([]byte, 0, 256+len(body))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\nContent-Type: application/json\r\nConnection: close\r\nX-Should-Retry: false\r\nRequest-Id: "...)
	b = append(b, id...)
	b = append(b, "\r\nBulwark-Request-Id: "...)
	b = append(b, id...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// errorListener hands out connections whose net/http error answers are
// rewritten in Anthropic's shape (DESIGN §7: errors of the HTTP layer are
// Anthropic-shaped too).
type errorListener struct {
	net.Listener
	s *Server
}

func (l errorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &errorConn{Conn: c, s: l.s}, nil
}

// errorConn is a connection whose writes pass through, but for net/http's
// own plain-text error answers, which it replaces.
type errorConn struct {
	net.Conn
	s *Server
}

func (c *errorConn) Write(p []byte) (int, error) {
	status, reason, ok := parsePlainError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	id := newRequestID()
	answer := httpLayerError(status, reason, id, c.s.set.maxHeader)
	c.s.log.LogAttrs(context.Background(), slog.LevelInfo, "http.bad_request", slog.String("request_id", id),
		slog.Int("status", status), slog.String("remote", c.RemoteAddr().String()))
	if _, err := c.Conn.Write(answer); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close after a 431, as it does on a
// *net.TCPConn, so that the client reads the answer before the close.
func (c *errorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
