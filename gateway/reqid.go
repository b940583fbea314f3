package gateway

import (
	"math/rand/v2"
)

// newRequestID returns a gateway request id: "req_bw_" and 24 random hex
// digits. math/rand/v2's global source is safe for concurrent use and fast;
// ids need to be unique, not secret.
func newRequestID() string {
	const hexDigits = "0123456789abcdef"
	var b [7 + 24]byte
	copy(b[:], "req_bw_")
	hi, lo := rand.Uint64(), rand.Uint32()
	for i := range 16 {
		b[7+i] = hexDigits[hi>>(60-4*i)&0xf]
	}
	for i := range 8 {
		b[7+16+i] = hexDigits[lo>>(28-4*i)&0xf]
	}
	return string(b[:])
}
