package sse

import (
	"io"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
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
	b = jsonscan.AppendString(b, errType)
	b = append(b, `,"message":`...)
	b = jsonscan.AppendString(b, message)
	b = append(b, '}')
	if requestID != "" {
		b = append(b, `,"request_id":`...)
		b = jsonscan.AppendString(b, requestID)
	}
	return append(b, '}')
}
