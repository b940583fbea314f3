package sse

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// WriteEvent writes one event, "event: NAME\ndata: DATA\n\n", in a single
// Write call. data must not contain line breaks (JSON from encoding/json never
// does); name may be empty, which leaves out the event line.
func WriteEvent(w io.Writer, name string, data []byte) error {
	var small [512]byte
	b := AppendEvent(small[:0], name, data)
	_, err := w.Write(b)
	return err
}

// AppendEvent appends one event, as WriteEvent writes it, to b.
func AppendEvent(b []byte, name string, data []byte) []byte {
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	return append(b, '\n', '\n')
}

// WriteError writes an Anthropic stream error event:
//
//	event: error
//	data: {"type":"error","error":{"type":"overloaded_error","message":"..."}}
//
// errType is Anthropic's error.type ("overloaded_error", "timeout_error",
// "api_error", ...); message is shown to the caller's program.
func WriteError(w io.Writer, errType, message string) error {
	var small [512]byte
	b := AppendEvent(small[:0], "error", AppendError(nil, errType, message, ""))
	_, err := w.Write(b)
	return err
}

// AppendError appends Anthropic's error object to b:
// {"type":"error","error":{"type":ERRTYPE,"message":MESSAGE}}, followed by
// ,"request_id":ID when requestID is not empty. It is the body of an error
// response as well as the data of a stream error event.
func AppendError(b []byte, errType, message, requestID string) []byte {
	b = append(b, `{"type":"error","error":{"type":`...)
	b = AppendString(b, errType)
	b = append(b, `,"message":`...)
	b = AppendString(b, message)
	b = append(b, '}')
	if requestID != "" {
		b = append(b, `,"request_id":`...)
		b = AppendString(b, requestID)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string (quoted and escaped) to b. Invalid
// UTF-8 is replaced by U+FFFD, as encoding/json does.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = strconv.AppendInt(b, int64(r&0xf), 16)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
