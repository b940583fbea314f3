package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a [time.Duration] that reads and writes JSON as a Go duration
// string such as "150ms", "2s" or "1m30s". It is the type of every duration
// in the fault-rule and script JSON. A JSON null or "" reads as 0; a bare JSON
// number is rejected, because its unit would be a guess.
type Duration time.Duration

// String returns the duration in Go syntax, e.g. "150ms".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string ("150ms", "2s"). Negative
// durations are rejected.
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q: want a Go duration such as \"150ms\" or \"2s\"", b)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: must not be negative", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON reads a JSON string holding a Go duration, or null.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*d = 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("bad duration %s: want a string such as \"150ms\" or \"2s\"", b)
	}
	return d.UnmarshalText([]byte(s))
}
