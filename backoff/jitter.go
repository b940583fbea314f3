package backoff

import "fmt"

// Jitter selects how [Policy.Delay] randomises the exponential wait.
// The zero value is [Full].
type Jitter uint8

const (
	// Full jitter: the wait is uniform in [0, min(Max, Initial·2^(n-1))].
	Full Jitter = iota
	// Decorrelated jitter: the wait is min(Max, uniform in [Initial, 3·prev]).
	Decorrelated
)

// String returns "full" or "decorrelated" ("unknown" for other values).
func (j Jitter) String() string {
	switch j {
	case Full:
		return "full"
	case Decorrelated:
		return "decorrelated"
	}
	return "unknown"
}

// MarshalText encodes the jitter as [Jitter.String] does.
func (j Jitter) MarshalText() ([]byte, error) {
	if j > Decorrelated {
		return nil, fmt.Errorf("backoff: unknown jitter %d", uint8(j))
	}
	return []byte(j.String()), nil
}

// UnmarshalText decodes "full" or "decorrelated" (as written in a config
// file); the empty string means [Full].
func (j *Jitter) UnmarshalText(b []byte) error {
	switch string(b) {
	case "", "full":
		*j = Full
	case "decorrelated":
		*j = Decorrelated
	default:
		return fmt.Errorf("backoff: unknown jitter %q (want full or decorrelated)", b)
	}
	return nil
}
