package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/sse"
)

// metricsMember is the member of Bedrock's message_stop chunk that carries
// its invocation metrics.
const metricsMember = "amazon-bedrock-invocationMetrics"

// InvocationMetrics are Bedrock's own account of one streamed invocation,
// from the message_stop chunk's "amazon-bedrock-invocationMetrics".
type InvocationMetrics struct {
	// Usage holds inputTokenCount, outputTokenCount,
	// cacheWriteInputTokenCount and cacheReadInputTokenCount.
	Usage catalog.Usage
	// InvocationLatency and FirstByteLatency are Bedrock's (milliseconds
	// on the wire).
	InvocationLatency, FirstByteLatency time.Duration
}

// InvocationMetricsOf returns the invocation metrics that the body of a
// Response (the *http.Response.Body itself, not a wrapper of it) has read
// so far, and whether it has read them: true once the message_stop event
// has been read. The metrics are removed from the event the client sees,
// so this is where usage, cache tokens included, is read when
// message_delta lacks it.
func InvocationMetricsOf(body io.Reader) (InvocationMetrics, bool) {
	b, ok := body.(*eventStreamBody)
	if !ok {
		return InvocationMetrics{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.metrics, b.hasMetrics
}

// eventStreamBody turns a Bedrock event stream into the first-party SSE:
// each chunk event's JSON as `event: <type>\ndata: <json>\n\n`, in order,
// one Read per event or less (bytes flow as they arrive). An exception or
// error frame becomes an SSE error event with the first-party error it
// means, and ends the body; so does a frame that cannot be decoded (a bad
// CRC, a cut in the middle of a frame, a chunk that is not JSON): an
// api_error event, never a hang or a silent end. A read error of the
// underlying body is returned as it is (a cut connection, as on the
// first-party wire); an end between frames is io.EOF.
type eventStreamBody struct {
	rc  io.ReadCloser
	in  countingReader
	dec *eventstream.Decoder
	buf []byte // payload buffer, reused
	out bytes.Buffer
	err error // returned once out is drained

	mu         sync.Mutex
	metrics    InvocationMetrics
	hasMetrics bool
}

func newEventStreamBody(rc io.ReadCloser) *eventStreamBody {
	b := &eventStreamBody{rc: rc, dec: eventstream.NewDecoder()}
	b.in.r = rc
	return b
}

// countingReader counts the bytes read and keeps the read error.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func (b *eventStreamBody) Read(p []byte) (int, error) {
	for b.out.Len() == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.next()
	}
	return b.out.Read(p)
}

func (b *eventStreamBody) Close() error { return b.rc.Close() }

// next decodes one frame into out, or sets err.
func (b *eventStreamBody) next() {
	start := b.in.n
	msg, err := b.dec.Decode(&b.in, b.buf[:0])
	switch {
	case err == nil:
	case b.in.err != nil:
		b.err = b.in.err
		return
	case errors.Is(err, io.EOF) && b.in.n == start:
		b.err = io.EOF
		return
	default:
		b.fail("api_error", "Bedrock event stream: "+decodeErrorText(err))
		return
	}
	b.buf = msg.Payload
	typ := msg.Headers.Get(eventstreamapi.MessageTypeHeader)
	if typ == nil {
		b.fail("api_error", "Bedrock event stream: a frame without "+eventstreamapi.MessageTypeHeader)
		return
	}
	switch typ.String() {
	case eventstreamapi.EventMessageType:
		if ev := msg.Headers.Get(eventstreamapi.EventTypeHeader); ev != nil && ev.String() == "chunk" {
			b.chunk(msg.Payload)
		}
	case eventstreamapi.ExceptionMessageType:
		code := ""
		if h := msg.Headers.Get(eventstreamapi.ExceptionTypeHeader); h != nil {
			code = h.String()
		}
		var f errorFields
		f.read(msg.Payload)
		b.exception(firstNonEmpty(code, f.awsCode), f.message)
	case eventstreamapi.ErrorMessageType:
		code, text := "", ""
		if h := msg.Headers.Get(eventstreamapi.ErrorCodeHeader); h != nil {
			code = h.String()
		}
		if h := msg.Headers.Get(eventstreamapi.ErrorMessageHeader); h != nil {
			text = h.String()
		}
		b.exception(code, text)
	default:
		b.fail("api_error", "Bedrock event stream: unknown message type "+typ.String())
	}
}

// decodeErrorText says what was wrong with a frame.
func decodeErrorText(err error) string {
	var ce eventstream.ChecksumError
	switch {
	case errors.As(err, &ce):
		return "a frame failed its CRC check"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the stream ended in the middle of a frame"
	}
	return "a frame could not be decoded: " + err.Error()
}

// chunk emits the Anthropic event of a chunk frame's payload
// {"bytes":"<base64 event JSON>"}, keeping its invocation metrics aside.
func (b *eventStreamBody) chunk(payload []byte) {
	var c struct {
		Bytes []byte `json:"bytes"` // base64 in the JSON
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		b.fail("api_error", "Bedrock event stream: a chunk that is not {\"bytes\":...}")
		return
	}
	event, typ, m, ok := splitChunk(c.Bytes)
	if !ok {
		b.fail("api_error", "Bedrock event stream: a chunk whose event is not a JSON object with a type")
		return
	}
	if m != nil {
		b.mu.Lock()
		b.metrics, b.hasMetrics = *m, true
		b.mu.Unlock()
	}
	writeEvent(&b.out, typ, event)
}

// exception emits the SSE error event of an exception or error frame
// whose code is code, and ends the body.
func (b *eventStreamBody) exception(code, message string) {
	typ := "api_error"
	if e, ok := awsError(code); ok {
		typ = e.typ
	}
	if message == "" {
		message = firstNonEmpty(code, "unknown error")
	}
	b.fail(typ, message)
}

// fail emits an SSE error event and ends the body after it.
func (b *eventStreamBody) fail(typ, message string) {
	writeEvent(&b.out, "error", sse.AppendError(nil, typ, message, ""))
	b.err = io.EOF
}

// splitChunk is the pure part of chunk: the event JSON without its
// invocation metrics member, its type, and the metrics if it had them.
func splitChunk(event []byte) (out []byte, typ string, m *InvocationMetrics, ok bool) {
	var r jsonscan.Request
	if jsonscan.ScanRequest(event, &r) != nil {
		return nil, "", nil, false
	}
	out = event
	for _, mem := range r.Members {
		switch memberName(event, mem) {
		case "type":
			if json.Unmarshal(event[mem.ValStart:mem.ValEnd], &typ) != nil {
				return nil, "", nil, false
			}
		case metricsMember:
			var v struct {
				In         int64 `json:"inputTokenCount"`
				Out        int64 `json:"outputTokenCount"`
				CacheRead  int64 `json:"cacheReadInputTokenCount"`
				CacheWrite int64 `json:"cacheWriteInputTokenCount"`
				Latency    int64 `json:"invocationLatency"`
				FirstByte  int64 `json:"firstByteLatency"`
			}
			if json.Unmarshal(event[mem.ValStart:mem.ValEnd], &v) == nil {
				m = &InvocationMetrics{
					Usage: catalog.Usage{InputTokens: v.In, OutputTokens: v.Out,
						CacheCreationInputTokens: v.CacheWrite, CacheReadInputTokens: v.CacheRead},
					InvocationLatency: time.Duration(v.Latency) * time.Millisecond,
					FirstByteLatency:  time.Duration(v.FirstByte) * time.Millisecond,
				}
			}
			out = nil
		}
	}
	if typ == "" {
		return nil, "", nil, false
	}
	if out == nil {
		out = applyEdit(event, &r, bodyEdit{drop: []string{metricsMember}})
	}
	return out, typ, m, true
}

// writeEvent writes one SSE event: `event: typ`, a `data:` line per line of
// data, and a blank line.
func writeEvent(w *bytes.Buffer, typ string, data []byte) {
	w.WriteString("event: ")
	w.WriteString(typ)
	w.WriteByte('\n')
	for {
		line, rest, more := bytes.Cut(data, []byte{'\n'})
		w.WriteString("data: ")
		w.Write(line)
		w.WriteByte('\n')
		if !more {
			break
		}
		data = rest
	}
	w.WriteByte('\n')
}
