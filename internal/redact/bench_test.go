package redact_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/redact"
)

// A real key's shape: sk-ant-api03- and 95 more bytes.
var benchKey = "sk-ant-api03-" + strings.Repeat("Ab3_x-Q9z", 10) + "AAAAA"

// messageBody is a Messages API answer of about n bytes of English text, with
// many "s" and "sk" to make the first-byte search work.
func messageBody(n int) []byte {
	words := []string{"ask", "skip", "task", "desk", "sky", "is", "the", "a", "stream", "key", "risk", "answer"}
	var text strings.Builder
	for i := 0; text.Len() < n-200; i++ {
		text.WriteString(words[i%len(words)])
		text.WriteByte(' ')
	}
	b, _ := json.Marshal(map[string]any{
		"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
		"model":   "claude-sonnet-5-5",
		"content": []map[string]string{{"type": "text", "text": text.String()}},
		"usage":   map[string]int{"input_tokens": 2095, "output_tokens": 503},
	})
	return b
}

// secretsOf is the upstream key plus n-1 other secrets (client keys, an
// admin key, a Redis password).
func secretsOf(n int) []string {
	s := []string{benchKey}
	const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	x := uint32(2463534242)
	for i := 1; i < n; i++ {
		k := []byte("ck-")
		for range 32 { // xorshift: random-looking, the same on every run
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			k = append(k, base62[x%62])
		}
		s = append(s, string(k))
	}
	return s
}

func BenchmarkBytesCleanBody(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"2KB", 2 << 10}, {"64KB", 64 << 10}} {
		body := messageBody(size.n)
		for _, n := range []int{1, 4, 16} {
			r := redact.New(secretsOf(n)...)
			b.Run(size.name+"/secrets="+string(rune('0'+n/10))+string(rune('0'+n%10)), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if out := r.Bytes(body); len(out) != len(body) {
						b.Fatal("changed")
					}
				}
			})
		}
	}
}

func BenchmarkHeaderClean(b *testing.B) {
	h := http.Header{
		"Content-Type": {"application/json"}, "Request-Id": {"req_011CSHoEeqs5C35K2UUqR7Fy"},
		"Anthropic-Organization-Id": {"2a5d9e4f-9a9b-4d9b-8a2c-1f4e0b1c2d3e"}, "Cf-Ray": {"8f1a2b3c4d5e6f70-SJC"},
		"Anthropic-Ratelimit-Requests-Limit": {"4000"}, "Anthropic-Ratelimit-Requests-Remaining": {"3999"},
		"Anthropic-Ratelimit-Requests-Reset": {"2026-12-02T10:00:00Z"}, "Anthropic-Ratelimit-Tokens-Limit": {"400000"},
		"Anthropic-Ratelimit-Tokens-Remaining": {"399000"}, "Anthropic-Ratelimit-Tokens-Reset": {"2026-12-02T10:00:00Z"},
		"Date": {"Wed, 02 Dec 2026 10:00:00 GMT"}, "Server": {"cloudflare"}, "Via": {"1.1 google"},
	}
	r := redact.New(secretsOf(4)...)
	b.ReportAllocs()
	for b.Loop() {
		if out := r.Header(h); len(out) != len(h) {
			b.Fatal("changed")
		}
	}
}

func BenchmarkBytesDirtyErrorBody(b *testing.B) {
	body := []byte(`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key: ` + benchKey + `"},"request_id":"req_1"}`)
	r := redact.New(secretsOf(4)...)
	b.ReportAllocs()
	for b.Loop() {
		r.Bytes(body)
	}
}
