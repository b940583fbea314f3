package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/bench"
	"github.com/bulwarkhq/bulwark/sim"
)

// startSimCommand runs runSim with args and returns its base URL, a cancel
// function and the channel runSim's result arrives on.
func startSimCommand(t *testing.T, args ...string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := runSim(ctx, args, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v (runSim: %v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") && !strings.HasPrefix(url, "https://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("first line %q, want \"listening on http(s)://127.0.0.1:PORT\"", line)
	}
	return url, cancel, done
}

func simPost(t *testing.T, url string) *http.Response {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Post(url+"/v1/messages", "application/json",
		strings.NewReader(`{"model":"claude-sonnet-5-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func waitSimResult(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("runSim did not return after cancel")
		return nil
	}
}

func TestSimCommandServesUntilCancelled(t *testing.T) {
	url, cancel, done := startSimCommand(t, "--addr", "127.0.0.1:0", "--seed", "3", "--token-delay", "1ms", "--rpm", "*=100", "--rpm", "claude-haiku-5-5=7")
	res := simPost(t, url)
	if res.StatusCode != 200 || res.Header.Get("anthropic-ratelimit-requests-limit") != "100" {
		t.Errorf("status %d, requests-limit %q", res.StatusCode, res.Header.Get("anthropic-ratelimit-requests-limit"))
	}
	cancel()
	if err := waitSimResult(t, done); err != nil {
		t.Errorf("runSim returned %v, want nil", err)
	}
}

func TestSimCommandServesHTTP2OverTLSWithTheGivenCertificate(t *testing.T) {
	files, err := bench.WriteTLSFiles(t.TempDir())
	simMust(t, err)
	url, cancel, done := startSimCommand(t, "--addr", "127.0.0.1:0", "--tls-cert", files.Cert, "--tls-key", files.Key)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %q, want https", url)
	}
	certPEM, _, err := bench.LoopbackCert()
	simMust(t, err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Post(url+"/v1/messages", "application/json",
		strings.NewReader(`{"model":"claude-sonnet-5-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`))
	simMust(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		t.Errorf("status %d over %s, want 200 over HTTP/2", res.StatusCode, res.Proto)
	}
	cancel()
	if err := waitSimResult(t, done); err != nil {
		t.Errorf("runSim returned %v", err)
	}
}

func TestSimCommandLoadsFaultsAndScript(t *testing.T) {
	dir := t.TempDir()
	faults := filepath.Join(dir, "faults.json")
	script := filepath.Join(dir, "script.json")
	simMust(t, os.WriteFile(faults, []byte(`{"rules":[{"model":"claude-sonnet-5-5","status":529,"retry_after":"3s"}]}`), 0o600))
	simMust(t, os.WriteFile(script, []byte(`{"phases":[{"name":"slow","duration":"1h","rules":[{"model":"*","latency":"1ms"}]}]}`), 0o600))
	url, cancel, done := startSimCommand(t, "--addr", "127.0.0.1:0", "--faults", faults, "--script", script)
	res := simPost(t, url)
	if res.StatusCode != 529 || res.Header.Get("retry-after") != "3" {
		t.Errorf("status %d retry-after %q, want 529 and 3", res.StatusCode, res.Header.Get("retry-after"))
	}
	cancel()
	if err := waitSimResult(t, done); err != nil {
		t.Errorf("runSim returned %v", err)
	}
}

func TestSimCommandRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	simMust(t, os.WriteFile(bad, []byte(`{"rules":[{"model":"*","rate":3}]}`), 0o600))
	badScript := filepath.Join(dir, "script.json")
	simMust(t, os.WriteFile(badScript, []byte(`{"phases":[{"name":"x","duration":"later"}]}`), 0o600))
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"--rpm", "sonnet"}, true, ""},
		{[]string{"--rpm", "sonnet=0"}, true, ""},
		{[]string{"--token-delay", "soon"}, true, ""},
		{[]string{"--token-delay", "-1ms"}, true, ""},
		{[]string{"extra"}, true, ""},
		{[]string{"--tls-cert", "cert.pem"}, true, ""},
		{[]string{"--tls-key", "key.pem"}, true, ""},
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing.pem")}, false, "--tls-cert/--tls-key"},
		{[]string{"--faults", filepath.Join(dir, "missing.json")}, false, "--faults"},
		{[]string{"--faults", bad}, false, "rules[0]: rate 3 is outside 0..1"},
		{[]string{"--script", badScript}, false, `phases[0].duration: bad duration "later"`},
		{[]string{"--limits", filepath.Join(dir, "missing.json")}, false, "--limits"},
		{[]string{"--limits", bad}, false, "unknown field"},
		{[]string{"--addr", "127.0.0.1:notaport"}, false, "listen on 127.0.0.1:notaport"},
	} {
		err := runSim(context.Background(), c.args, io.Discard, io.Discard)
		switch {
		case err == nil:
			t.Errorf("%v: no error", c.args)
		case c.usage != errors.Is(err, errUsage):
			t.Errorf("%v: %v, usage error %v", c.args, err, c.usage)
		case !strings.Contains(err.Error(), c.want):
			t.Errorf("%v: %v, want it to contain %q", c.args, err, c.want)
		}
	}
}

func TestSimCommandStartsWithTheLimitsFileAndRefusesWhatTheBucketsCannotHold(t *testing.T) {
	var help strings.Builder
	_ = runSim(context.Background(), []string{"--help"}, io.Discard, &help)
	for _, want := range []string{"--limits", "/_sim/limits", "requests_per_minute", "output-tokens", "retry-after"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help does not say %s", want)
		}
	}
	limits := filepath.Join(t.TempDir(), "limits.json")
	simMust(t, os.WriteFile(limits, []byte(`{"limits":[{"model":"*","requests_per_minute":1,"output_tokens_per_minute":8000}]}`), 0o600))
	url, cancel, done := startSimCommand(t, "--addr", "127.0.0.1:0", "--limits", limits)
	res := simPost(t, url)
	if res.StatusCode != 200 || res.Header.Get("anthropic-ratelimit-requests-remaining") != "0" ||
		res.Header.Get("anthropic-ratelimit-output-tokens-limit") != "8000" {
		t.Errorf("first: %d %v", res.StatusCode, res.Header)
	}
	if res := simPost(t, url); res.StatusCode != 429 || res.Header.Get("retry-after") == "" {
		t.Errorf("second: %d, retry-after %q", res.StatusCode, res.Header.Get("retry-after"))
	}
	cancel()
	if err := waitSimResult(t, done); err != nil {
		t.Error(err)
	}
}

func simMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSimCommandSpeaksTheProvidersWiresWithRulesPerUpstream(t *testing.T) {
	var help strings.Builder
	_ = runSim(context.Background(), []string{"--help"}, io.Discard, &help)
	for _, want := range []string{"/model/ID/invoke", ":streamRawPredict", "/_sim/google/token", `"upstream"`} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help does not list %s:\n%s", want, help.String())
		}
	}
	faults := filepath.Join(t.TempDir(), "faults.json")
	simMust(t, os.WriteFile(faults, []byte(`{"rules":[{"upstream":"anthropic","model":"*","status":529}]}`), 0o600))
	url, cancel, done := startSimCommand(t, "--addr", "127.0.0.1:0", "--faults", faults)
	if res := simPost(t, url); res.StatusCode != 529 {
		t.Errorf("first-party: %d, want 529", res.StatusCode)
	}
	req, _ := http.NewRequest("POST", url+"/bedrock-us/model/us.anthropic.claude-sonnet-5-5/invoke", strings.NewReader(
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+sim.AWSBearerToken)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("x-amzn-bedrock-output-token-count") == "" {
		t.Errorf("bedrock-us: %d %v", res.StatusCode, res.Header)
	}
	cancel()
	if err := waitSimResult(t, done); err != nil {
		t.Error(err)
	}
}
