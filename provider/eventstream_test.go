package provider

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/bulwarkhq/bulwark/catalog"
)

// The events of one short streamed answer, as Bedrock's chunks carry them.
var streamEvents = []string{
	`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}`,
	`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`,
	`{"type":"content_block_stop","index":0}`,
	`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}`,
	`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":10,"outputTokenCount":2,"invocationLatency":812,"firstByteLatency":300,"cacheReadInputTokenCount":1000,"cacheWriteInputTokenCount":24}}`,
}

// sseOf is the first-party SSE of events.
func sseOf(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		typ := e[len(`{"type":"`):]
		typ = typ[:strings.IndexByte(typ, '"')]
		b.WriteString("event: " + typ + "\ndata: " + e + "\n\n")
	}
	return b.String()
}

func chunkFrame(t testing.TB, event string) []byte {
	t.Helper()
	payload := `{"bytes":"` + base64.StdEncoding.EncodeToString([]byte(event)) + `","p":"abcd"}`
	return frame(t, eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("event")},
		{Name: ":event-type", Value: eventstream.StringValue("chunk")},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
	}, payload)
}

func exceptionFrame(t testing.TB, code, message string) []byte {
	t.Helper()
	return frame(t, eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("exception")},
		{Name: ":exception-type", Value: eventstream.StringValue(code)},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
	}, `{"message":"`+message+`"}`)
}

func frame(t testing.TB, h eventstream.Headers, payload string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&buf, eventstream.Message{Headers: h, Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func streamOf(t testing.TB, events []string) []byte {
	var b []byte
	for _, e := range events {
		b = append(b, chunkFrame(t, e)...)
	}
	return b
}

func readAllSSE(t *testing.T, wire []byte) (string, *eventStreamBody) {
	t.Helper()
	body := newEventStreamBody(io.NopCloser(bytes.NewReader(wire)))
	out, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read: %v (after %q)", err, out)
	}
	return string(out), body
}

func TestEventStreamBecomesFirstPartySSE(t *testing.T) {
	got, body := readAllSSE(t, streamOf(t, streamEvents))
	want := sseOf(append(streamEvents[:5:5], `{"type":"message_stop"}`)...)
	if got != want {
		t.Fatalf("SSE:\n%s\nwant:\n%s", got, want)
	}
	m, ok := InvocationMetricsOf(body)
	wantM := InvocationMetrics{
		Usage:             catalog.Usage{InputTokens: 10, OutputTokens: 2, CacheCreationInputTokens: 24, CacheReadInputTokens: 1000},
		InvocationLatency: 812 * time.Millisecond, FirstByteLatency: 300 * time.Millisecond,
	}
	if !ok || m != wantM {
		t.Fatalf("metrics %+v %v, want %+v", m, ok, wantM)
	}
}

func TestEventStreamYieldsOneEventPerRead(t *testing.T) {
	body := newEventStreamBody(io.NopCloser(bytes.NewReader(streamOf(t, streamEvents))))
	p := make([]byte, 64<<10)
	n, err := body.Read(p)
	if err != nil || string(p[:n]) != sseOf(streamEvents[0]) {
		t.Fatalf("first read %q, %v", p[:n], err)
	}
	if _, ok := InvocationMetricsOf(body); ok {
		t.Fatal("metrics before message_stop")
	}
}

func TestEventStreamExceptionsEndWithTheMappedError(t *testing.T) {
	cases := []struct {
		name  string
		after int // chunks before the exception
		code  string
		typ   string
	}{
		{"throttling before the first token", 2, "throttlingException", "rate_limit_error"},
		{"model stream error after the first token", 3, "modelStreamErrorException", "overloaded_error"},
		{"service unavailable", 1, "serviceUnavailableException", "overloaded_error"},
		{"internal server", 3, "internalServerException", "api_error"},
		{"validation", 0, "validationException", "invalid_request_error"},
		{"model timeout", 3, "modelTimeoutException", "timeout_error"},
		{"unknown", 3, "newException", "api_error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wire := append(streamOf(t, streamEvents[:c.after]), exceptionFrame(t, c.code, "it broke")...)
			wire = append(wire, chunkFrame(t, streamEvents[4])...) // never seen
			got, _ := readAllSSE(t, wire)
			want := sseOf(streamEvents[:c.after]...) +
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + c.typ + "\",\"message\":\"it broke\"}}\n\n"
			if got != want {
				t.Fatalf("SSE:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestEventStreamErrorFrameEndsWithAnError(t *testing.T) {
	wire := append(streamOf(t, streamEvents[:1]), frame(t, eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("error")},
		{Name: ":error-code", Value: eventstream.StringValue("ThrottlingException")},
		{Name: ":error-message", Value: eventstream.StringValue("slow down")},
	}, "")...)
	got, _ := readAllSSE(t, wire)
	want := sseOf(streamEvents[0]) + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n"
	if got != want {
		t.Fatalf("SSE:\n%s\nwant:\n%s", got, want)
	}
}

func TestEventStreamBadFramesBecomeAnAPIError(t *testing.T) {
	good := streamOf(t, streamEvents[:2])
	third := chunkFrame(t, streamEvents[2])
	corrupt := append([]byte(nil), third...)
	corrupt[len(corrupt)-10] ^= 0xff // a payload byte: the message CRC fails
	preludeBad := append([]byte(nil), third...)
	preludeBad[5] ^= 0x01 // the headers length: the prelude CRC fails
	notJSON := frame(t, eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("event")},
		{Name: ":event-type", Value: eventstream.StringValue("chunk")},
	}, `{"bytes":"`+base64.StdEncoding.EncodeToString([]byte(`{"type":`))+`"}`)
	noType := frame(t, eventstream.Headers{{Name: ":event-type", Value: eventstream.StringValue("chunk")}}, `{}`)
	cases := []struct {
		name, tail, message string
	}{
		{"message CRC", string(corrupt), "Bedrock event stream: a frame failed its CRC check"},
		{"prelude CRC", string(preludeBad), "Bedrock event stream: a frame failed its CRC check"},
		{"cut in the payload", string(third[:len(third)-20]), "Bedrock event stream: the stream ended in the middle of a frame"},
		{"cut in the prelude", string(third[:6]), "Bedrock event stream: the stream ended in the middle of a frame"},
		{"cut before the CRC", string(third[:len(third)-4]), "Bedrock event stream: the stream ended in the middle of a frame"},
		{"chunk not JSON", string(notJSON), "Bedrock event stream: a chunk whose event is not a JSON object with a type"},
		{"no message type", string(noType), "Bedrock event stream: a frame without :message-type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := readAllSSE(t, append(append([]byte(nil), good...), c.tail...))
			want := sseOf(streamEvents[:2]...) +
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"" + c.message + "\"}}\n\n"
			if got != want {
				t.Fatalf("SSE:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestEventStreamEndBetweenFramesIsEOF(t *testing.T) {
	got, _ := readAllSSE(t, streamOf(t, streamEvents[:3]))
	if got != sseOf(streamEvents[:3]...) {
		t.Fatalf("SSE:\n%s", got)
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestEventStreamReadErrorPassesThrough(t *testing.T) {
	cut := errors.New("connection reset by peer")
	wire := append(streamOf(t, streamEvents[:1]), chunkFrame(t, streamEvents[1])[:30]...)
	body := newEventStreamBody(io.NopCloser(&failingReader{data: wire, err: cut}))
	got, err := io.ReadAll(body)
	if !errors.Is(err, cut) || string(got) != sseOf(streamEvents[0]) {
		t.Fatalf("got %q, %v; want the first event and the read error", got, err)
	}
}

func TestSplitChunkKeepsEventBytes(t *testing.T) {
	cases := []struct{ in, out, typ string }{
		{`{"type":"ping"}`, `{"type":"ping"}`, "ping"},
		{`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":1}}`, `{"type":"message_stop"}`, "message_stop"},
		{`{"amazon-bedrock-invocationMetrics":{},"type":"message_stop"}`, `{"type":"message_stop"}`, "message_stop"},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a\nb"}}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a\nb"}}`, "content_block_delta"},
	}
	for _, c := range cases {
		out, typ, _, ok := splitChunk([]byte(c.in))
		if !ok || string(out) != c.out || typ != c.typ {
			t.Errorf("splitChunk(%s) = %s %q %v", c.in, out, typ, ok)
		}
	}
	for _, bad := range []string{`{"type":1}`, `{}`, `[]`, `x`} {
		if _, _, _, ok := splitChunk([]byte(bad)); ok {
			t.Errorf("splitChunk(%s) accepted", bad)
		}
	}
}

func TestWriteEventSplitsLines(t *testing.T) {
	var b bytes.Buffer
	writeEvent(&b, "x", []byte("{\n\"a\":1}"))
	if b.String() != "event: x\ndata: {\ndata: \"a\":1}\n\n" {
		t.Fatalf("%q", b.String())
	}
}

func TestResponseTurnsAnEventStreamIntoSSE(t *testing.T) {
	u := mustNew(t, "bedrock-us", Settings{Kind: Bedrock, Region: "us-east-1"}, WithEnv(envOf(map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "k"})))
	resp := &http.Response{
		StatusCode: 200, Status: "200 OK",
		Header: http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}, "Content-Length": {"999"},
			"X-Amzn-Requestid": {"aws-req-1"}},
		Body: io.NopCloser(bytes.NewReader(streamOf(t, streamEvents))), ContentLength: 999,
	}
	out := u.Response(resp, true)
	if out.Header.Get("Content-Type") != "text/event-stream" || out.ContentLength != -1 || out.Header.Get("Content-Length") != "" {
		t.Fatalf("headers %v, length %d", out.Header, out.ContentLength)
	}
	if out.Header.Get("Request-Id") != "aws-req-1" {
		t.Fatalf("request-id %q", out.Header.Get("Request-Id"))
	}
	b, err := io.ReadAll(out.Body)
	if err != nil || !strings.HasSuffix(string(b), "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n") {
		t.Fatalf("body %q, %v", b, err)
	}
	if m, ok := InvocationMetricsOf(out.Body); !ok || m.Usage.CacheReadInputTokens != 1000 {
		t.Fatalf("metrics %+v %v", m, ok)
	}
	if resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatal("Response changed the caller's headers")
	}
}
