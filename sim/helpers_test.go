package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// do sends a raw request and returns the response with its body read.
func do(t *testing.T, method, url, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// apiError decodes an Anthropic error body.
type apiError struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

func decodeError(t *testing.T, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	if e.Type != "error" || e.Error.Type == "" || e.Error.Message == "" {
		t.Fatalf("error body %s is not in Anthropic's shape", b)
	}
	return e
}

type sseEvent struct {
	name string
	data string
	at   time.Time
}

// readEvents reads a raw SSE body event by event, stamping arrival times.
func readEvents(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				cur.at = time.Now()
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Errorf("unexpected SSE line %q", line)
		}
	}
	return out
}

func names(evs []sseEvent) string {
	var b bytes.Buffer
	last := ""
	for _, e := range evs {
		if e.name == "content_block_delta" && last == "content_block_delta" {
			continue // collapse runs of deltas
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.name)
		last = e.name
	}
	return b.String()
}

// waitIdle waits until every handler of s has returned.
func waitIdle(t *testing.T, s *sim.Server) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for s.ActiveHandlers() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d handlers still running", s.ActiveHandlers())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func body(model, prompt string, extra ...string) string {
	b := `{"model":` + quote(model) + `,"max_tokens":1024,"messages":[{"role":"user","content":` + quote(prompt) + `}]`
	for _, e := range extra {
		b += "," + e
	}
	return b + "}"
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type netClient struct{ t *testing.T }

// post starts a raw streaming POST to /v1/messages; the caller closes the body.
func (c *netClient) post(url, b string) (*http.Response, error) {
	tr := &http.Transport{}
	c.t.Cleanup(tr.CloseIdleConnections)
	return (&http.Client{Transport: tr}).Post(url+"/v1/messages", "application/json", strings.NewReader(b))
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// serve runs one request through s without a network.
func serve(s *sim.Server, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}
