package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks a running gateway whether it is ready: GET
// http://ADDR/readyz, exit 0 on 200 and 1 on anything else (another status,
// no answer within --timeout, nothing listening). It exists for the container
// image's HEALTHCHECK: a distroless image has no curl or wget.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", "Check that the gateway on --addr is ready (GET /readyz answers 200): exit 0 if so, 1 if not.\n"+
		"The container image's HEALTHCHECK runs it; a host of 0.0.0.0, :: or none means 127.0.0.1.", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "the gateway's listen address (`host:port`)")
	path := fs.String("path", "/readyz", "the `path` to GET")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "--addr must be host:port, not %q\n", *addr)
		return errUsage
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + *path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// No proxy from the environment: the check is of this host's gateway.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	fmt.Fprintf(stdout, "ok: GET %s: %s\n", url, resp.Status)
	return nil
}
