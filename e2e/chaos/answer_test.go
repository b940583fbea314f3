package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkhq/bulwark/sse"
)

// answer is what a client got for one request, read whole.
type answer struct {
	i      int
	stream bool
	status int
	header http.Header
	body   []byte
	// first is the time to the answer: to the response headers for a
	// stream that was committed (its events follow as they come), to the
	// end of the body for anything else.
	first time.Duration
	// total is the time to the end of the body.
	total time.Duration
	// err is a transport failure: no answer, or a body cut.
	err error
	// kind is what the answer was, once checked: "message", "error",
	// "stream", "stream_error".
	kind string
	// errType is error.type of an error answer or of a stream's error event.
	errType string
}

func (a *answer) String() string {
	body := string(a.body)
	if len(body) > 600 {
		body = body[:300] + " ... " + body[len(body)-300:]
	}
	return fmt.Sprintf("#%d stream=%t status=%d first=%v total=%v err=%v attempts=%s model-used=%s\n%s",
		a.i, a.stream, a.status, a.first.Round(time.Millisecond), a.total.Round(time.Millisecond), a.err,
		a.header.Get("bulwark-attempts"), a.header.Get("bulwark-model-used"), body)
}

// send posts body to url and reads the answer whole, timing it.
func send(ctx context.Context, c *http.Client, url, body string, stream bool, header ...string) *answer {
	a := &answer{stream: stream}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		a.err = err
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.first = time.Since(start)
	a.status, a.header = resp.StatusCode, resp.Header
	a.body, a.err = io.ReadAll(resp.Body)
	a.total = time.Since(start)
	if !(stream && resp.StatusCode == 200) {
		a.first = a.total
	}
	return a
}

// errorStatus is the HTTP status Anthropic answers each error type with;
// api_error may come as 500 (upstream) or 503 (the gateway's own).
var errorStatus = map[string][]int{
	"invalid_request_error": {400},
	"authentication_error":  {401},
	"billing_error":         {402},
	"permission_error":      {403},
	"not_found_error":       {404},
	"request_too_large":     {413},
	"rate_limit_error":      {429},
	"api_error":             {500, 502, 503},
	"timeout_error":         {504},
	"overloaded_error":      {529},
}

// check reports whether a is one well-formed answer: a message, an
// Anthropic-shaped error, or a complete SSE stream ending in message_stop or
// an error event. It sets a.kind and a.errType.
func check(a *answer) error {
	if a.err != nil {
		return fmt.Errorf("no well-formed answer: %w", a.err)
	}
	if a.header.Get("bulwark-request-id") == "" || a.header.Get("request-id") == "" {
		return errors.New("no bulwark-request-id or request-id header")
	}
	if a.status != 200 {
		typ, err := checkError(a.body)
		if err != nil {
			return err
		}
		if !contains(errorStatus[typ], a.status) {
			return fmt.Errorf("error type %q with status %d", typ, a.status)
		}
		if a.status == 429 && a.header.Get("retry-after") == "" {
			return errors.New("429 without retry-after")
		}
		a.kind, a.errType = "error", typ
		return nil
	}
	if !a.stream {
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			return fmt.Errorf("message with content-type %q", ct)
		}
		var m struct {
			Type    string            `json:"type"`
			Role    string            `json:"role"`
			Model   string            `json:"model"`
			Content []json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(a.body, &m); err != nil || m.Type != "message" || m.Role != "assistant" ||
			m.Model == "" || len(m.Content) == 0 {
			return fmt.Errorf("not a message (%v)", err)
		}
		if m.Model != a.header.Get("bulwark-model-used") {
			return fmt.Errorf("message from %q, bulwark-model-used %q", m.Model, a.header.Get("bulwark-model-used"))
		}
		a.kind = "message"
		return nil
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return fmt.Errorf("stream with content-type %q", ct)
	}
	return checkStream(a)
}

// checkStream parses a stream fully: message_start first, every event's
// data JSON whose type is the event's name, and a last event that is
// message_stop or error, with nothing after it.
func checkStream(a *answer) error {
	rd := sse.NewReader(bytes.NewReader(a.body))
	var names []string
	ended := ""
	for {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("SSE after %d events: %w", len(names), err)
		}
		name := string(ev.Name)
		if ended != "" {
			return fmt.Errorf("event %q after %q", name, ended)
		}
		names = append(names, name)
		var d struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil || d.Type != name {
			return fmt.Errorf("event %q with data %q", name, ev.Data)
		}
		switch name {
		case "message_stop":
			ended = name
		case "error":
			typ, err := checkError(ev.Data)
			if err != nil {
				return fmt.Errorf("error event: %w", err)
			}
			a.errType, ended = typ, name
		}
	}
	switch {
	case len(names) == 0 || names[0] != "message_start":
		return fmt.Errorf("stream does not start with message_start: %v", names)
	case ended == "":
		return fmt.Errorf("stream ends without message_stop or error: %v", names)
	case ended == "error":
		a.kind = "stream_error"
	default:
		a.kind = "stream"
	}
	return nil
}

// checkError checks an Anthropic-shaped error,
// {"type":"error","error":{"type":...,"message":...}}, and returns its type.
func checkError(b []byte) (string, error) {
	var e struct {
		Type  string `json:"type"`
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "error" || e.Error == nil || e.Error.Type == "" || e.Error.Message == "" {
		return "", fmt.Errorf("not an Anthropic error (%v)", err)
	}
	if _, ok := errorStatus[e.Error.Type]; !ok {
		return "", fmt.Errorf("unknown error type %q", e.Error.Type)
	}
	return e.Error.Type, nil
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// load is a bounded batch of Messages requests.
type load struct {
	n, concurrency int
	seed           uint64
	// streamShare is the share of streamed requests, 0..1.
	streamShare float64
	// every, when > 0, paces the start of requests (one per every).
	every time.Duration
	// model of every request; default the primary.
	model string
}

// newClient returns a client for one load: keep-alive with a connection
// per worker, no compression, and a bound of 10 s per request.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			DisableCompression:  true,
		},
	}
}

// run sends l's requests to the gateway at url and returns every answer.
// Which requests stream and their prompts follow from l.seed.
func (l load) run(url string) []*answer {
	rng := rand.New(rand.NewPCG(l.seed, 0xc4a05))
	model := l.model
	if model == "" {
		model = primary
	}
	type job struct {
		i      int
		body   string
		stream bool
	}
	jobs := make([]job, l.n)
	for i := range jobs {
		stream := rng.Float64() < l.streamShare
		jobs[i] = job{i, messageBody(model, fmt.Sprintf("chaos request %d", i), 8+rng.IntN(24), stream), stream}
	}
	c := newClient(l.concurrency)
	defer c.CloseIdleConnections()
	out := make([]*answer, l.n)
	next := make(chan job)
	var wg sync.WaitGroup
	for range l.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				a := send(context.Background(), c, url+"/v1/messages", j.body, j.stream)
				a.i = j.i
				out[j.i] = a
			}
		}()
	}
	var tick *time.Ticker
	if l.every > 0 {
		tick = time.NewTicker(l.every)
		defer tick.Stop()
	}
	for _, j := range jobs {
		if tick != nil {
			<-tick.C
		}
		next <- j
	}
	close(next)
	wg.Wait()
	return out
}
