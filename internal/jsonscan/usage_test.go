package jsonscan_test

import (
	"encoding/json"
	"testing"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// usageJSON is the usage object as encoding/json reads it, the reference.
type usageJSON struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

func TestDecodeUsageReadsWhatEncodingJSONReads(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want catalog.Usage
		ok   bool
	}{
		{name: "every count", raw: `{"input_tokens":12,"cache_creation_input_tokens":3,"cache_read_input_tokens":4,"output_tokens":9}`,
			want: catalog.Usage{InputTokens: 12, OutputTokens: 9, CacheCreationInputTokens: 3, CacheReadInputTokens: 4}, ok: true},
		{name: "other members skipped", raw: `{"input_tokens":1,"server_tool_use":{"web_search_requests":2},"service_tier":"standard","output_tokens":5}`,
			want: catalog.Usage{InputTokens: 1, OutputTokens: 5}, ok: true},
		{name: "null leaves a count", raw: `{"output_tokens":7,"output_tokens":null}`, want: catalog.Usage{OutputTokens: 7}, ok: true},
		{name: "the last count counts", raw: `{"output_tokens":7,"output_tokens":8}`, want: catalog.Usage{OutputTokens: 8}, ok: true},
		{name: "negative", raw: `{"input_tokens":-3}`, want: catalog.Usage{InputTokens: -3}, ok: true},
		{name: "another case matches", raw: `{"Output_Tokens":6}`, want: catalog.Usage{OutputTokens: 6}, ok: true},
		{name: "an escaped name", raw: `{"output_t\u006fkens":6}`, want: catalog.Usage{OutputTokens: 6}, ok: true},
		{name: "19 digits", raw: `{"input_tokens":1234567890123456789}`, want: catalog.Usage{InputTokens: 1234567890123456789}, ok: true},
		{name: "empty", raw: `{}`, ok: true},
		{name: "null", raw: `null`, ok: true},
		{name: "nil", raw: ``},
		{name: "a fraction", raw: `{"input_tokens":1.5}`},
		{name: "an exponent", raw: `{"input_tokens":1e3}`},
		{name: "a string", raw: `{"input_tokens":"5"}`},
		{name: "too big", raw: `{"input_tokens":9223372036854775808}`},
		{name: "not an object", raw: `[1]`},
		{name: "cut", raw: `{"input_tokens":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw []byte
			if tt.raw != "" {
				raw = []byte(tt.raw)
			}
			got, ok := jsonscan.DecodeUsage(raw)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("DecodeUsage = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDecodeUsageDoesNotAllocateForTheAPIsShape(t *testing.T) {
	raw := []byte(`{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,` +
		`"server_tool_use":{"web_search_requests":0},"service_tier":"standard"}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = jsonscan.DecodeUsage(raw) }); n != 0 {
		t.Fatalf("%v allocations per decode", n)
	}
}

func FuzzDecodeUsage(f *testing.F) {
	for _, s := range []string{
		`{"input_tokens":12,"output_tokens":9}`, `{"output_tokens":null,"INPUT_TOKENS":-0}`, `{"input-tokens":1}`,
		`{"inputtokens":1}`, `{"output_toKens":1}`, `{"a":{"input_tokens":1},"cache_read_input_tokens":01}`,
		`{"input_tokens":123456789012345678}`, `null`, `[]`, `"x"`, `{"input_tokens":1}x`, ` {"input_tokens":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := jsonscan.DecodeUsage(raw)
		var u usageJSON
		want := raw != nil && json.Unmarshal(raw, &u) == nil
		if ok != want || ok && got != catalog.Usage(u) {
			t.Fatalf("DecodeUsage(%q) = %+v, %v; encoding/json reads %+v, %v", raw, got, ok, u, want)
		}
	})
}
