package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// scanBenchBodies are a short request and a 1 MiB one (a long conversation
// with escapes, numbers and nesting), the sizes the scanner runs on.
var scanBenchBodies = func() map[string][]byte {
	small := []byte(`{"model":"claude-sonnet-5-5","max_tokens":256,"stream":true,"system":"You are terse.",` +
		`"metadata":{"user_id":"u-123"},"messages":[{"role":"user","content":"Say hello in a short sentence, please."}]}`)
	var b bytes.Buffer
	b.WriteString(`{"model":"claude-sonnet-5-5","max_tokens":4096,"stream":false,"temperature":0.7,"messages":[`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":"user","content":[{"type":"text","text":"Line \"quoted\" and \u00e9 then plain text that goes on for a while, as prompts do."},` +
			`{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"42"}],"is_error":false}]}`)
	}
	b.WriteString(`]}`)
	return map[string][]byte{"small": small, "1MiB": b.Bytes()}
}()

func BenchmarkScanRequest(b *testing.B) {
	for _, name := range []string{"small", "1MiB"} {
		body := scanBenchBodies[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var f jsonscan.Request
			for b.Loop() {
				if err := jsonscan.ScanRequest(body, &f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// responseBenchBodies are a short message, a 1 MiB one (a long answer with
// escapes) and a message_start event, what the gateway scans on the way back.
var responseBenchBodies = func() map[string][]byte {
	small := []byte(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5",` +
		`"content":[{"type":"text","text":"Hello there, this is a short answer."}],"stop_reason":"end_turn",` +
		`"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":9}}`)
	var b bytes.Buffer
	b.WriteString(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"type":"text","text":"Line \"quoted\" and \u00e9 then plain text that goes on for a while, as answers do."}`)
	}
	b.WriteString(`],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":9}}`)
	start := []byte(`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",` +
		`"model":"claude-sonnet-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,` +
		`"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`)
	return map[string][]byte{"small": small, "1MiB": b.Bytes(), "message_start": start}
}()

// BenchmarkScanResponse is what the gateway does with a 2xx answer: one pass
// that validates it and finds its usage, then the usage's counts; and, for
// comparison, the same with encoding/json (json.Valid, then json.Unmarshal
// of the parts it needs).
func BenchmarkScanResponse(b *testing.B) {
	for _, way := range []struct {
		name string
		read func(body []byte) bool
	}{{"jsonscan", readUsage}, {"encoding_json", readUsageEncodingJSON}} {
		for _, name := range []string{"small", "1MiB", "message_start"} {
			body := responseBenchBodies[name]
			b.Run(way.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if !way.read(body) {
						b.Fatal("no usage")
					}
				}
			})
		}
	}
}

// readUsage reads an answer's usage, or its message's, as the gateway does.
func readUsage(body []byte) bool {
	var r jsonscan.Response
	if !jsonscan.ScanResponse(body, &r) {
		return false
	}
	raw := r.Usage
	if raw == nil {
		raw = r.MessageUsage
	}
	_, ok := jsonscan.DecodeUsage(raw)
	return ok
}

// readUsageEncodingJSON is readUsage with encoding/json.
func readUsageEncodingJSON(body []byte) bool {
	var m struct {
		Usage   *usageJSON `json:"usage"`
		Message struct {
			Usage *usageJSON `json:"usage"`
		} `json:"message"`
	}
	return json.Valid(body) && json.Unmarshal(body, &m) == nil && (m.Usage != nil || m.Message.Usage != nil)
}
