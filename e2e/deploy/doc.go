// Package deploy tests bulwark the way its container runs it: the binary
// built as deploy/container/Dockerfile builds it (static, -trimpath),
// started with the Dockerfile's own ENTRYPOINT and checked with its own
// HEALTHCHECK command, from a read-only working directory, as the image's
// non-root user 65532 when the tests run as root; it must serve, then on
// SIGTERM drain a stream in flight, refuse new connections and exit 0 within
// its grace. With helm at hand ($BULWARK_HELM or on $PATH), the Helm chart's
// rendered config and flags must start the gateway too.
//
// The chart's Kubernetes manifests are checked in the kube folder below, a
// module of its own (so that the Kubernetes modules stay out of this one).
//
// The package has no code of its own; see the _test.go files.
package deploy
