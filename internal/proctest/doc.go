// Package proctest runs the bulwark binary as real processes in tests: it
// builds cmd/bulwark once, starts `bulwark sim` or `bulwark serve`, waits for
// the "listening on http://HOST:PORT" line, keeps stderr, and kills the
// process when the test ends.
package proctest
