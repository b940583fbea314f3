package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestHealthcheck_ExitsZeroOnlyWhenReadyzAnswers200(t *testing.T) {
	var (
		mu     sync.Mutex
		status int
		paths  []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.URL.Path)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	for _, c := range []struct {
		name   string
		status int
		addr   string
		code   int
	}{
		{"ready", http.StatusOK, "127.0.0.1:" + port, 0},
		{"the entrypoint's 0.0.0.0 means loopback", http.StatusOK, "0.0.0.0:" + port, 0},
		{"no host means loopback", http.StatusOK, ":" + port, 0},
		{"draining", http.StatusServiceUnavailable, "127.0.0.1:" + port, 1},
		{"not found", http.StatusNotFound, "127.0.0.1:" + port, 1},
	} {
		mu.Lock()
		status = c.status
		mu.Unlock()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"healthcheck", "--addr", c.addr}, &out, &errOut); code != c.code {
			t.Errorf("%s: exit %d, want %d; stdout %q stderr %q", c.name, code, c.code, out.String(), errOut.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if p != "/readyz" {
			t.Errorf("healthcheck asked for %q, want /readyz", p)
		}
	}
}

func TestHealthcheck_ExitsOneWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "/readyz") {
		t.Errorf("stderr %q does not name what was checked", errOut.String())
	}
}

func TestHealthcheck_RejectsAnAddressWithoutPort(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck", "--addr", "localhost"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2 (usage); stderr %q", code, errOut.String())
	}
}
