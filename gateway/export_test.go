package gateway

import "crypto/tls"

// NewTransportTLS is NewTransport trusting what tlsConfig says (for tests
// against httptest's TLS servers).
func NewTransportTLS(tlsConfig *tls.Config) *Transport { return newTransport(tlsConfig) }
