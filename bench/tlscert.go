package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// CertFileEnv is the environment variable through which a Go process on
// Linux (and the BSDs) reads its trusted roots from a file instead of the
// system's: crypto/x509 honours it. The bench starts the gateway and the
// bare proxy with it pointing at the simulator's certificate, so that they
// trust it exactly as they would a public CA, with no flag of their own.
const CertFileEnv = "SSL_CERT_FILE"

// TLSFiles are the PEM files of the bench's self-signed loopback
// certificate (LoopbackCert), written by WriteTLSFiles.
type TLSFiles struct {
	// Cert is the certificate, its own CA: the simulator serves it
	// (--tls-cert) and its clients trust it (Env).
	Cert string
	// Key is its private key (--tls-key), mode 0600.
	Key string
}

// Env is the environment that makes a Go child process trust Cert in place
// of the system roots: SSL_CERT_FILE=Cert.
func (f *TLSFiles) Env() []string {
	if f == nil {
		return nil
	}
	return []string{CertFileEnv + "=" + f.Cert}
}

// simArgs adds the flags that make the simulator serve TLS (and so HTTP/2)
// with the certificate to args; a nil f adds none.
func (f *TLSFiles) simArgs(args []string) []string {
	if f == nil {
		return args
	}
	return append(args, "--tls-cert", f.Cert, "--tls-key", f.Key)
}

// WriteTLSFiles writes LoopbackCert to dir as cert.pem and key.pem.
func WriteTLSFiles(dir string) (*TLSFiles, error) {
	certPEM, keyPEM, err := LoopbackCert()
	if err != nil {
		return nil, err
	}
	f := &TLSFiles{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	if err := os.WriteFile(f.Cert, certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.Key, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return f, nil
}

// LoopbackCert returns, PEM-encoded, a self-signed ECDSA P-256 certificate
// for 127.0.0.1, ::1 and localhost, valid from an hour ago for a week, and
// its key. It is its own CA. It is made once per process, in memory.
func LoopbackCert() (certPEM, keyPEM []byte, err error) {
	p, err := loopbackCert()
	return p.cert, p.key, err
}

type pemPair struct{ cert, key []byte }

var loopbackCert = sync.OnceValues(func() (pemPair, error) {
	der, key, err := newLoopbackCert(time.Now())
	if err != nil {
		return pemPair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return pemPair{}, err
	}
	return pemPair{pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}, nil
})

// newLoopbackCert makes the certificate LoopbackCert encodes, as DER.
func newLoopbackCert(now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("loopback certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"bulwark bench"}, CommonName: "bulwark bench loopback"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("loopback certificate: %w", err)
	}
	return der, key, nil
}

// clientTLSConfig is the load generator's TLS configuration: the system
// roots (when readable) plus LoopbackCert, so that it reaches a simulator
// serving TLS directly as well as any public server.
func clientTLSConfig() *tls.Config {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if certPEM, _, err := LoopbackCert(); err == nil {
		pool.AppendCertsFromPEM(certPEM)
	}
	return &tls.Config{RootCAs: pool}
}
