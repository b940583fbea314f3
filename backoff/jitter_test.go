package backoff

import "testing"

func TestJitterTextRoundTrips(t *testing.T) {
	tests := []struct {
		text    string
		want    Jitter
		wantErr bool
	}{
		{"full", Full, false},
		{"decorrelated", Decorrelated, false},
		{"", Full, false},
		{"exponential", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var j Jitter
			err := j.UnmarshalText([]byte(tt.text))
			if (err != nil) != tt.wantErr {
				t.Fatalf("UnmarshalText(%q) error = %v, wantErr %v", tt.text, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if j != tt.want {
				t.Fatalf("UnmarshalText(%q) = %v, want %v", tt.text, j, tt.want)
			}
			b, err := j.MarshalText()
			if err != nil || (tt.text != "" && string(b) != tt.text) {
				t.Fatalf("MarshalText = %q, %v", b, err)
			}
		})
	}
	if _, err := Jitter(9).MarshalText(); err == nil {
		t.Error("MarshalText of an unknown jitter: want an error")
	}
	if s := Jitter(9).String(); s != "unknown" {
		t.Errorf("String of an unknown jitter = %q", s)
	}
}
