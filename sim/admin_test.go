package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestFaultsRoundTripThroughTheAdminEndpoint(t *testing.T) {
	s, _, url := start(t)
	in := `{"rules":[{"model":"claude-sonnet-5-5","rate":0.25,"status":529,"retry_after":"2s","should_retry":true},` +
		`{"model":"*","latency":"150ms"},{"model":"*","stream_error":true,"error_type":"api_error"},` +
		`{"model":"x","stall_after_tokens":4,"stall":"1m30s"}]}`
	res, b := do(t, "PUT", url+"/_sim/faults", in)
	if res.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", res.StatusCode, b)
	}
	yes := true
	want := []sim.Rule{
		{Model: "claude-sonnet-5-5", Rate: 0.25, Status: 529, RetryAfter: sim.Duration(2 * time.Second), ShouldRetry: &yes},
		{Model: "*", Latency: sim.Duration(150 * time.Millisecond)},
		{Model: "*", StreamError: true, ErrorType: "api_error"},
		{Model: "x", StallAfterTokens: 4, Stall: sim.Duration(90 * time.Second)},
	}
	if got := s.Rules(); !reflect.DeepEqual(got, want) {
		t.Errorf("Rules() = %+v\nwant %+v", got, want)
	}
	res, b = do(t, "GET", url+"/_sim/faults", "")
	if res.StatusCode != 200 || !json.Valid(b) {
		t.Fatalf("GET: %d %s", res.StatusCode, b)
	}
	if !strings.Contains(string(b), `"retry_after":"2s"`) || !strings.Contains(string(b), `"stall":"1m30s"`) || strings.Contains(string(b), "phase") {
		t.Errorf("GET body %s", b)
	}
	// What GET returns can be PUT back unchanged.
	if res, b2 := do(t, "PUT", url+"/_sim/faults", string(b)); res.StatusCode != 200 || string(b2) != string(b) {
		t.Errorf("PUT of the GET body: %d %s", res.StatusCode, b2)
	}
	// Clearing.
	if res, b := do(t, "PUT", url+"/_sim/faults", `{"rules":[]}`); res.StatusCode != 200 || string(b) != `{"rules":[]}` {
		t.Errorf("clear: %d %s", res.StatusCode, b)
	}
}

func TestBadFaultsAreRejectedWithAClearMessage(t *testing.T) {
	s, _, url := start(t, sim.WithRules([]sim.Rule{{Model: "keep", Status: 500}}))
	for _, c := range []struct{ body, want string }{
		{`{"rules":[{"model":"x",}]}`, "invalid JSON"},
		{`{"rules":[{"model":"x","latncy":"5s"}]}`, `rules[0]: unknown field "latncy"`},
		{`{"rules":[{"model":"x","latency":"5 seconds"}]}`, `rules[0].latency: bad duration "5 seconds"`},
		{`{"rules":[{"model":"x","stall":150}]}`, `rules[0].stall: bad duration 150`},
		{`{"rules":[{"model":"x"},{"model":"y","rate":1.5}]}`, "rules[1]: rate 1.5 is outside 0..1"},
		{`{"rules":[{"status":529}]}`, "rules[0]: model is required"},
		{`{"rules":[{"model":"x","status":200}]}`, "status 200 is not an error status"},
		{`{"rules":[{"model":"x","status":"529"}]}`, "status: a JSON string is not valid here (want an integer)"},
		{`{"rulez":[]}`, `unknown field "rulez"`},
		{`{}`, `missing "rules"`},
		{``, "empty body"},
	} {
		res, b := do(t, "PUT", url+"/_sim/faults", c.body)
		if res.StatusCode != 400 {
			t.Errorf("%s: status %d", c.body, res.StatusCode)
			continue
		}
		if e := decodeError(t, b); e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s: message %q, want it to contain %q", c.body, e.Error.Message, c.want)
		}
	}
	if got := s.Rules(); len(got) != 1 || got[0].Model != "keep" {
		t.Errorf("a rejected PUT changed the rules: %+v", got)
	}
	if res, _ := do(t, "DELETE", url+"/_sim/faults", ""); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, PUT" {
		t.Errorf("DELETE: %d allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestStatsCountEveryOutcomePerModel(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithRPM("limited", 1), sim.WithRules([]sim.Rule{
		{Model: "s529", Status: 529},
		{Model: "mal", Malformed: true},
		{Model: "err", StreamError: true},
		{Model: "stall", Stall: sim.Duration(time.Nanosecond)},
	}))
	send := func(model string, stream bool) {
		extra := []string{}
		if stream {
			extra = append(extra, `"stream":true`)
		}
		serve(s, "POST", "/v1/messages", body(model, "hi", extra...))
		clk.Advance(time.Second)
	}
	send("ok", false)
	send("ok", true)
	send("s529", false)
	send("mal", false)
	send("err", true)
	send("limited", false)
	send("limited", false)
	serve(s, "POST", "/v1/messages", `{"model":"ok"}`)
	serve(s, "GET", "/v1/models", "")
	go send("stall", true)
	clk.WaitForTimers(1)
	clk.Advance(time.Second)
	waitIdle(t, s)

	st := s.Stats()
	want := map[string]map[string]int64{
		"ok":      {"ok": 2, "invalid": 1},
		"s529":    {"status_529": 1},
		"mal":     {"malformed": 1},
		"err":     {"stream_error": 1},
		"limited": {"ok": 1, "rate_limited": 1},
		"stall":   {"stall": 1},
		"":        {"ok": 1},
	}
	var total int64
	for model, outcomes := range want {
		got := st.Models[model]
		if !reflect.DeepEqual(got.Outcomes, outcomes) {
			t.Errorf("%q outcomes %v, want %v", model, got.Outcomes, outcomes)
		}
		var n int64
		for _, v := range outcomes {
			n += v
		}
		if got.Requests != n || len(got.Arrivals) != int(n) {
			t.Errorf("%q: %d requests, %d arrivals, want %d", model, got.Requests, len(got.Arrivals), n)
		}
		total += n
	}
	if st.Requests != total || len(st.Models) != len(want) {
		t.Errorf("total %d over %d models, want %d over %d", st.Requests, len(st.Models), total, len(want))
	}
	if a := st.Models["limited"].Arrivals; !a[1].Equal(a[0].Add(time.Second)) {
		t.Errorf("arrivals %v should be one second apart", a)
	}

	// The admin endpoint serves the same snapshot, and reset clears it.
	rec := serve(s, "GET", "/_sim/stats", "")
	var fromHTTP sim.Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &fromHTTP); err != nil || fromHTTP.Requests != st.Requests ||
		fromHTTP.Models["ok"].Outcomes["invalid"] != 1 || !fromHTTP.Models["ok"].Arrivals[0].Equal(st.Models["ok"].Arrivals[0]) {
		t.Errorf("GET /_sim/stats: %v %s", err, rec.Body)
	}
	if rec := serve(s, "POST", "/_sim/reset", ""); rec.Code != 204 {
		t.Errorf("reset: %d", rec.Code)
	}
	if st := s.Stats(); st.Requests != 0 || len(st.Models) != 0 {
		t.Errorf("after reset: %+v", st)
	}
	if got := serve(s, "GET", "/_sim/stats", "").Body.String(); got != `{"requests":0,"models":{},"protocols":{},"connections":0,"upstreams":{}}` {
		t.Errorf("empty stats JSON %s", got)
	}
}

func TestArrivalsKeepTheLast256OldestFirst(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk))
	for range 300 {
		serve(s, "POST", "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
		clk.Advance(time.Millisecond)
	}
	m := s.Stats().Models["m"]
	if m.Requests != 300 || len(m.Arrivals) != 256 {
		t.Fatalf("%d requests, %d arrivals", m.Requests, len(m.Arrivals))
	}
	if !m.Arrivals[0].Equal(t0.Add(44*time.Millisecond)) || !m.Arrivals[255].Equal(t0.Add(299*time.Millisecond)) {
		t.Errorf("arrivals from %v to %v", m.Arrivals[0].Sub(t0), m.Arrivals[255].Sub(t0))
	}
}

func TestStatsCountTheAPIRequestsByHTTPVersion(t *testing.T) {
	s := sim.New(sim.WithSeed(1))
	defer s.Close()
	serve(s, "POST", "/v1/messages", body("m", "hi"))
	h2 := httptest.NewRequest("POST", "/v1/messages", strings.NewReader(body("m", "hi")))
	h2.Proto, h2.ProtoMajor, h2.ProtoMinor = "HTTP/2.0", 2, 0
	s.ServeHTTP(httptest.NewRecorder(), h2)
	serve(s, "GET", "/_sim/stats", "") // admin requests are not counted
	if got := s.Stats().Protocols; !reflect.DeepEqual(got, map[string]int64{"HTTP/1.1": 1, "HTTP/2.0": 1}) {
		t.Errorf("protocols %v, want one HTTP/1.1 and one HTTP/2.0", got)
	}
	s.Reset()
	if got := s.Stats().Protocols; len(got) != 0 {
		t.Errorf("after Reset: %v", got)
	}
}

func TestStatsCountTheOpenClientConnections(t *testing.T) {
	s, url, stop, err := sim.Start(sim.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := &http.Client{Transport: &http.Transport{}}
	resp, err := c.Post(url+"/v1/messages", "application/json", strings.NewReader(body("m", "hi")))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := s.Stats().Connections; got != 1 {
		t.Errorf("one keep-alive connection open: Connections = %d", got)
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Connections != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := s.Stats().Connections; got != 0 {
		t.Errorf("after the client closed it: Connections = %d", got)
	}
}

func TestLastBodyIsWhatTheUpstreamReceived(t *testing.T) {
	s := sim.New(sim.WithSeed(1))
	body := `{"model":"claude-haiku-5-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`
	for _, path := range []string{"/v1/messages", "/second/v1/messages"} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	for _, name := range []string{"anthropic", "second"} {
		if got := string(s.LastBody(name)); got != body {
			t.Errorf("LastBody(%q) = %q", name, got)
		}
	}
	if s.LastBody("never") != nil {
		t.Error("an upstream that received nothing has a last body")
	}
}
