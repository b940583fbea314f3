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
