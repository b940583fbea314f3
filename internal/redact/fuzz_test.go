package redact_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/redact"
)

// outsideStrings are the bytes valid JSON may hold outside its strings.
const outsideStrings = " \t\r\n{}[]:,0123456789+-.eEtruefalsn"

// stringOnly reports whether s can occur in valid JSON only inside a string
// (and within one): it has no double quote and some byte JSON writes
// nowhere else. API keys and tokens are such secrets.
func stringOnly(s string) bool {
	return !strings.Contains(s, `"`) && strings.Trim(s, outsideStrings) != ""
}

// FuzzBytesLeavesNoSecret: whatever the input and the secret, the output
// holds the secret in none of its written forms.
func FuzzBytesLeavesNoSecret(f *testing.F) {
	f.Add([]byte(`{"error":{"message":"key sk-ant-xyz-123"}}`), "sk-ant-xyz-123")
	f.Add([]byte(`sk-ant-\nsk-ant-xyz-123\\sk-ant-xyz-123`), `nsk-ant-xyz-123`)
	f.Add([]byte(`]]]]]]]]]]]]]]]]]]]`), `]]]]]]]]`)
	f.Add([]byte(`[redacted][redacted]`), `d][redac`)
	f.Fuzz(func(t *testing.T, in []byte, secret string) {
		if len(secret) < redact.MinLen {
			return
		}
		r := redact.New(secret)
		out := r.Bytes(in)
		if bytes.Contains(out, []byte(secret)) {
			t.Fatalf("secret %q left in %q (from %q)", secret, out, in)
		}
		if !bytes.Contains(in, []byte(secret)) && r.Len() == 1 && !bytes.Equal(out, in) {
			t.Fatalf("input without the secret was changed: %q -> %q", in, out)
		}
	})
}

// FuzzBytesKeepsJSONValid: a JSON document that holds a secret inside its
// strings (as encoding/json writes it, with text around it) stays valid
// JSON, and holds the secret no more.
func FuzzBytesKeepsJSONValid(f *testing.F) {
	f.Add("sk-ant-api03-Abc/Def", "invalid x-api-key: ", "\n", true, 2)
	f.Add(`nKEY\with"quote`, `line\`, "", false, 1)
	f.Add("u0041-secret-key", `\`, `\u`, true, 3)
	f.Fuzz(func(t *testing.T, secret, before, after string, html bool, n int) {
		if len(secret) < redact.MinLen || !stringOnly(secret) {
			return
		}
		n = 1 + min(max(n, 0), 3)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		doc := map[string]any{
			"type":  "error",
			"error": map[string]string{"type": "authentication_error", "message": before + strings.Repeat(secret, n) + after},
			"list":  []string{secret, before + secret, after},
		}
		if err := enc.Encode(doc); err != nil {
			return // not UTF-8 enough for the encoder
		}
		out := redact.New(secret).Bytes(buf.Bytes())
		if !json.Valid(out) {
			t.Fatalf("secret %q: %s became %s, not JSON", secret, buf.Bytes(), out)
		}
		if bytes.Contains(out, []byte(secret)) {
			t.Fatalf("secret %q left in %s", secret, out)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if s := toString(back); strings.Contains(s, secret) {
			t.Fatalf("secret %q left, once decoded, in %s", secret, s)
		}
	})
}

// toString joins every string of a decoded JSON value.
func toString(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte(0)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				b.WriteString(k)
				b.WriteByte(0)
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
