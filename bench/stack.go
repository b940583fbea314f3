package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SimArgs are the arguments that start the simulator on a free loopback
// port with a fixed seed, no latency and the given pause per streamed token.
func SimArgs(tokenDelay time.Duration) []string {
	return []string{"sim", "--addr", "127.0.0.1:0", "--seed", "1", "--token-delay", tokenDelay.String()}
}

// ServeArgs are the arguments that start the gateway on a free loopback port
// in front of upstream, with the config file when not "".
func ServeArgs(upstream, configFile string) []string {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--upstream", upstream}
	if configFile != "" {
		args = append(args, "--config", configFile)
	}
	return args
}

// ProxyArgs are the arguments that start the bare proxy (the hidden
// `bulwark bench proxy`) on a free loopback port in front of upstream.
func ProxyArgs(upstream string) []string {
	return []string{"bench", "proxy", "--addr", "127.0.0.1:0", "--upstream", upstream}
}

// StackConfig says which endpoints an overhead run drives and which of them
// are already running.
type StackConfig struct {
	// Launcher starts what is not given.
	Launcher *Launcher
	// Want lists the endpoints to drive, among Direct, Proxied and Gateway,
	// in order; default all three.
	Want []string
	// DirectURL, ProxyURL and GatewayURL, when set, are used as they are;
	// the others are started (the proxy and the gateway in front of the
	// direct URL).
	DirectURL, ProxyURL, GatewayURL string
	// TokenDelay is the started simulator's pause per streamed token.
	TokenDelay time.Duration
	// GatewayConfig is the started gateway's --config file, or "".
	GatewayConfig string
	// TLS, when set, makes the started simulator serve TLS (and so HTTP/2,
	// as the real API does) with these files, and the started proxy and
	// gateway trust its certificate (TLSFiles.Env). The load generator
	// trusts it by itself (NewClientTransport) and speaks HTTP/1.1 to every
	// target, over TLS to the simulator.
	TLS *TLSFiles
}

// StartStack starts what cfg does not give and returns the endpoints in
// cfg.Want order. Stop them with cfg.Launcher.StopAll.
func StartStack(ctx context.Context, cfg StackConfig) ([]Endpoint, error) {
	want := cfg.Want
	if len(want) == 0 {
		want = []string{Direct, Proxied, Gateway}
	}
	urls := map[string]string{Direct: cfg.DirectURL, Proxied: cfg.ProxyURL, Gateway: cfg.GatewayURL}
	needs := func(name string) bool {
		for _, w := range want {
			if w == name && urls[name] == "" {
				return true
			}
		}
		return false
	}
	if urls[Direct] == "" && (needs(Direct) || needs(Proxied) || needs(Gateway)) {
		p, err := cfg.Launcher.Start(ctx, "sim", cfg.TLS.simArgs(SimArgs(cfg.TokenDelay))...)
		if err != nil {
			return nil, err
		}
		urls[Direct] = p.URL
	}
	if needs(Proxied) {
		p, err := cfg.Launcher.StartEnv(ctx, "proxy", cfg.TLS.Env(), ProxyArgs(urls[Direct])...)
		if err != nil {
			return nil, err
		}
		urls[Proxied] = p.URL
	}
	if needs(Gateway) {
		p, err := cfg.Launcher.StartEnv(ctx, "gateway", cfg.TLS.Env(), ServeArgs(urls[Direct], cfg.GatewayConfig)...)
		if err != nil {
			return nil, err
		}
		urls[Gateway] = p.URL
	}
	eps := make([]Endpoint, 0, len(want))
	for _, w := range want {
		u, ok := urls[w]
		if !ok {
			return nil, fmt.Errorf("unknown endpoint %q (want %s, %s or %s)", w, Direct, Proxied, Gateway)
		}
		eps = append(eps, Endpoint{Name: w, URL: u})
	}
	return eps, nil
}

// Preflight sends one non-streamed and one streamed Messages request to ep
// and fails unless both are answered 200 in full.
func Preflight(ctx context.Context, ep Endpoint, model string) error {
	c := &http.Client{Timeout: 10 * time.Second, Transport: sharedTransport()}
	for _, stream := range []bool{false, true} {
		rq := MessagesRequest(model, stream)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(ep.URL, "/")+"/v1/messages", bytes.NewReader(rq.Body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Anthropic-Version", "2023-06-01")
		req.Header.Set("X-Api-Key", "bench-placeholder-key")
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", ep.Name, ep.URL, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case err != nil:
			return fmt.Errorf("%s (%s): reading the answer: %w", ep.Name, ep.URL, err)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%s (%s): %s: %s", ep.Name, ep.URL, resp.Status, bytes.TrimSpace(body))
		case stream && !StreamComplete(body):
			return fmt.Errorf("%s (%s): the stream did not end with message_stop", ep.Name, ep.URL)
		}
	}
	return nil
}
