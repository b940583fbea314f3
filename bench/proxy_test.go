package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProxyForwardsRequestAndAnswerUntouched(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("request-id", "req_up")
		w.Header().Set("retry-after", "2")
		w.Header().Set("x-echo-path", r.URL.RequestURI())
		w.Header().Set("x-echo-version", r.Header.Get("anthropic-version"))
		w.Header().Set("x-echo-key", r.Header.Get("x-api-key"))
		w.Header().Set("x-echo-forwarded", r.Header.Get("X-Forwarded-For"))
		w.WriteHeader(529)
		w.Write(append([]byte("echo:"), body...))
	}))
	defer up.Close()
	h, err := NewProxy(up.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	px := httptest.NewServer(h)
	defer px.Close()

	req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/messages?beta=true", strings.NewReader(`{"model":"m"}`))
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "k")
	resp, err := px.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h2 := resp.Header
	if resp.StatusCode != 529 || string(body) != `echo:{"model":"m"}` || h2.Get("request-id") != "req_up" ||
		h2.Get("retry-after") != "2" || h2.Get("x-echo-path") != "/v1/messages?beta=true" ||
		h2.Get("x-echo-version") != "2023-06-01" || h2.Get("x-echo-key") != "k" || h2.Get("x-echo-forwarded") != "" {
		t.Errorf("status %d body %q headers %v", resp.StatusCode, body, h2)
	}
}

func TestProxyFlushesEachStreamedEventAsItArrives(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(200)
		io.WriteString(w, "event: message_start\ndata: {}\n\n")
		w.(http.Flusher).Flush()
		select { // the rest only once the client has seen the first event
		case <-release:
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "event: message_stop\ndata: {}\n\n")
	}))
	defer up.Close()
	h, _ := NewProxy(up.URL)
	px := httptest.NewServer(h)
	defer px.Close()

	resp, err := px.Client().Post(px.URL+"/v1/messages", "application/json", strings.NewReader(`{"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		for {
			line, err := br.ReadString('\n')
			b.WriteString(line)
			if err != nil || line == "\n" {
				break
			}
		}
		got <- b.String()
	}()
	select {
	case first := <-got:
		if first != "event: message_start\ndata: {}\n\n" {
			t.Errorf("first event %q", first)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the first event was held back by the proxy")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if !bytes.Contains(rest, []byte("message_stop")) {
		t.Errorf("rest %q", rest)
	}
}

func TestNewProxyRejectsABadUpstream(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := NewProxy(u); err == nil {
			t.Errorf("NewProxy(%q) = nil error", u)
		}
	}
}

func TestServeProxyPrintsItsAddressAndStopsWithTheContext(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") }))
	defer up.Close()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeProxy(ctx, "127.0.0.1:0", up.URL, pw); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	resp, err := http.Get(url + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "up" {
		t.Errorf("body %q", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeProxy returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeProxy did not return after cancel")
	}
}

// strictReader fails any read once its data is used up, as a closed server
// request body does.
type strictReader struct{ data []byte }

func (s *strictReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, errors.New("read after the end")
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

func TestSizedBodyEndsWithoutReadingPastItsLength(t *testing.T) {
	b := &sizedBody{r: &strictReader{data: []byte("hello")}, left: 5}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "hello" {
		t.Errorf("ReadAll = %q, %v", got, err)
	}
	if n, err := b.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Errorf("a read after the end = %d, %v; want 0, EOF", n, err)
	}
	short := &sizedBody{r: strings.NewReader("hi"), left: 5}
	if _, err := io.ReadAll(short); err != io.ErrUnexpectedEOF {
		t.Errorf("a short body: %v, want ErrUnexpectedEOF", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}
