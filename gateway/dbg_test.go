package gateway

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"bufio"
)

func TestDbg(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		c, _ := ln.Accept()
		r := bufio.NewReader(c)
		buf := make([]byte, 2000)
		n, _ := r.Read(buf)
		t.Logf("%q", buf[:n])
		c.Close()
	}()
	s, err := New(WithUpstream("http://" + ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/messages", strings.NewReader(`{"model":"claude-sonnet-5-5","messages":[]}`))
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	_ = http.StatusOK
}
