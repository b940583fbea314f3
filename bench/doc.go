// Package bench measures bulwark from the outside, as `bulwark bench` runs
// it (DESIGN §12): the gateway's overhead over a bare reverse proxy, its
// behaviour under named fault scenarios, and its memory, goroutines and file
// descriptors per open stream.
//
// Every measured server runs in its own process: the simulator
// (`bulwark sim`), the gateway (`bulwark serve`) and the floor to measure
// against, a bare [net/http/httputil.ReverseProxy] with no logic
// (`bulwark bench proxy`, see [NewProxy]). [Launcher] starts them from the
// bulwark executable and stops them cleanly.
//
// The load generator ([Load]) drives one target at a time with a closed loop
// (a fixed number of requests in flight) or an open loop (a fixed arrival
// rate, latency counted from the scheduled send time so that a slow server
// cannot hide its queueing: coordinated-omission safe). It reuses its
// requests and bodies, shares one tuned transport, and keeps exact samples
// whose percentiles come from sorting ([Latencies]). [Overhead] interleaves
// short slices of the same load across its targets so that machine noise hits
// each of them alike.
//
// With --tls ([StackConfig].TLS, [StreamsConfig].TLS) the simulator serves
// TLS, and so HTTP/2, as the real API does, with a self-signed certificate
// made in memory ([LoopbackCert], written by [WriteTLSFiles]); the proxy and
// the gateway trust it through SSL_CERT_FILE, which Go reads on Linux in place
// of the system roots, so they run exactly as they would against the real
// API. The load generator trusts it too and speaks HTTP/1.1 to every target.
//
// Every loop here is bounded both in time and in count, and stops by itself.
// Measurements belong in `bulwark bench` runs; the package's tests only check
// mechanics with tiny durations.
package bench
