package catalog

import "testing"

func TestAliasStripsOnlyASnapshotDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"claude-haiku-4-5-20251001", "claude-haiku-4-5"},
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
		{"claude-haiku-4-5", "claude-haiku-4-5"},
		{"claude-sonnet-5-5", "claude-sonnet-5-5"},
		{"claude-x-2025100", "claude-x-2025100"},   // seven digits
		{"claude-x-2025100a", "claude-x-2025100a"}, // not all digits
		{"claude-x_20251001", "claude-x_20251001"}, // no dash
		{"-20251001", "-20251001"},                 // nothing before the date
		{"", ""},
	}
	for _, tt := range tests {
		if got := Alias(tt.in); got != tt.want {
			t.Errorf("Alias(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKnownIsTrueForSDKModelsTheirSnapshotsAndRetiredOnes(t *testing.T) {
	for model, want := range map[string]bool{
		"claude-sonnet-5-5":          true,
		"claude-opus-5-5-20261101":   true, // a dated snapshot of a known alias
		"claude-sonnet-4-5-20250929": true,
		"claude-mythos-preview":      true,
		"claude-sonnet-5-5x":         false,
		"junk-model-17":              false,
		"":                           false,
	} {
		if got := Known(model); got != want {
			t.Errorf("Known(%q) = %v, want %v", model, got, want)
		}
	}
}
