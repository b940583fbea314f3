package jsonscan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x00\x01\x1f\t\r\n", "backspace\b form feed\f", "<html>&", "ünï 日本",
		"bad\xffutf8", "sep\u2028\u2029", strings.Repeat("é", 40)} {
		want, _ := json.Marshal(s)
		if got := jsonscan.AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsonscan.AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
