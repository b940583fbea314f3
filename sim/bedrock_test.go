package sim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/sim"
)

var testAWS = aws.Credentials{AccessKeyID: sim.AWSAccessKeyID, SecretAccessKey: sim.AWSSecretAccessKey}

// bedrockClient is the SDK's Bedrock client pointed at the simulator, signing
// with creds. Its base URL can have no path: the SDK rewrites only
// /v1/messages, so it reaches the default upstream name "bedrock".
func bedrockClient(t *testing.T, url string, creds aws.Credentials) anthropic.Client {
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "")
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })}
	return anthropic.NewClient(bedrock.WithConfig(cfg), option.WithBaseURL(url), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}))
}

// signedPost sends body to url+path signed with SigV4 for service (or with
// the headers given instead, when creds is nil), and returns the answer.
func signedPost(t *testing.T, url, path, body, service string, creds *aws.Credentials, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if creds != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), service, "eu-west-3", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

const bedrockBody = `{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["interleaved-thinking-2025-05-14"],"max_tokens":64,` +
	`"messages":[{"role":"user","content":"hello bedrock"}]}`

// frames decodes an AWS event stream with the AWS SDK's decoder.
func frames(t *testing.T, r io.Reader) []eventstream.Message {
	t.Helper()
	dec := eventstream.NewDecoder()
	var out []eventstream.Message
	for {
		msg, err := dec.Decode(r, nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("after %d frames: %v", len(out), err)
		}
		out = append(out, eventstream.Message{Headers: msg.Headers, Payload: append([]byte(nil), msg.Payload...)})
	}
}

// chunkEvent is a chunk frame's Anthropic event.
func chunkEvent(t *testing.T, m eventstream.Message) (string, map[string]any) {
	t.Helper()
	if m.Headers.Get(":message-type").String() != "event" || m.Headers.Get(":event-type").String() != "chunk" ||
		m.Headers.Get(":content-type").String() != "application/json" {
		t.Fatalf("frame headers %v", m.Headers)
	}
	var c struct{ Bytes, P string }
	if err := json.Unmarshal(m.Payload, &c); err != nil || c.P == "" {
		t.Fatalf("chunk payload %s: %v", m.Payload, err)
	}
	raw, err := base64.StdEncoding.DecodeString(c.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("chunk bytes %s: %v", raw, err)
	}
	return ev["type"].(string), ev
}

func TestTheBedrockSDKCompletesInvokeModelAndItsStream(t *testing.T) {
	s, url, stop, err := sim.Start(sim.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	client := bedrockClient(t, url, testAWS)
	p := params("us.anthropic.claude-sonnet-5-5-v1:0", "What is Bedrock?")
	msg, err := client.Messages.New(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || !strings.HasPrefix(msg.Content[0].Text, "Simulated answer from claude-sonnet-5-5") || msg.Usage.OutputTokens < 1 {
		t.Errorf("message %+v", msg)
	}
	stream := client.Messages.NewStreaming(ctx(t), p)
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Content) != 1 || acc.Content[0].Text != msg.Content[0].Text || acc.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("streamed %+v, want the same text as %q", acc, msg.Content[0].Text)
	}
	up := s.Stats().Upstreams["bedrock"]
	if up.Kind != sim.KindBedrock || up.Requests != 2 || up.Models["claude-sonnet-5-5"] != 2 || up.Outcomes["ok"] != 2 {
		t.Errorf("stats of upstream bedrock %+v", up)
	}
}

func TestInvokeModelAnswersWithBedrocksHeadersAndAcceptsABedrockAPIKey(t *testing.T) {
	_, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	res := signedPost(t, url, "/bedrock-us/model/us.anthropic.claude-haiku-5-5/invoke", bedrockBody, "", nil,
		"Authorization", "Bearer "+sim.AWSBearerToken)
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var m struct {
		Model string
		Usage struct{ InputTokens, OutputTokens int } `json:"usage"`
	}
	_ = json.Unmarshal(b, &m)
	if m.Model != "claude-haiku-5-5" || res.Header.Get("x-amzn-requestid") == "" || res.Header.Get("request-id") != "" ||
		res.Header.Get("x-amzn-bedrock-input-token-count") == "" || res.Header.Get("x-amzn-bedrock-output-token-count") == "" ||
		res.Header.Get("x-amzn-bedrock-cache-read-input-token-count") != "0" || res.Header.Get("anthropic-ratelimit-requests-limit") != "" {
		t.Errorf("headers %v body %s", res.Header, b)
	}
}

func TestTheBedrockStreamIsAnAWSEventStreamEndingWithInvocationMetrics(t *testing.T) {
	_, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	res := signedPost(t, url, "/bedrock-us/model/us.anthropic.claude-sonnet-5-5/invoke-with-response-stream", bedrockBody, "bedrock", &testAWS)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, b)
	}
	fs := frames(t, res.Body)
	var types []string
	var last map[string]any
	for _, f := range fs {
		typ, ev := chunkEvent(t, f)
		if len(types) == 0 || types[len(types)-1] != typ {
			types = append(types, typ)
		}
		last = ev
	}
	if got := strings.Join(types, " "); got != "message_start content_block_start content_block_delta content_block_stop message_delta message_stop" {
		t.Errorf("events %s", got)
	}
	m, _ := last["amazon-bedrock-invocationMetrics"].(map[string]any)
	for _, k := range []string{"inputTokenCount", "outputTokenCount", "invocationLatency", "firstByteLatency", "cacheReadInputTokenCount", "cacheWriteInputTokenCount"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("invocation metrics %v lack %s", last, k)
		}
	}
	if m["outputTokenCount"].(float64) < 1 || m["inputTokenCount"].(float64) < 1 {
		t.Errorf("metrics %v", m)
	}
}

func TestBedrockRefusesBadCredentialsInItsShape(t *testing.T) {
	_, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	const path = "/model/anthropic.claude-sonnet-5-5/invoke"
	wrongSecret := aws.Credentials{AccessKeyID: sim.AWSAccessKeyID, SecretAccessKey: "wrong"}
	unknown := aws.Credentials{AccessKeyID: "AKIAOTHER00000000000", SecretAccessKey: sim.AWSSecretAccessKey}
	for _, c := range []struct {
		name, service string
		creds         *aws.Credentials
		header        []string
		want          string
	}{
		{"no credentials", "", nil, nil, "AccessDeniedException"},
		{"a wrong secret", "bedrock", &wrongSecret, nil, "InvalidSignatureException"},
		{"another service", "bedrock-mantle", &testAWS, nil, "InvalidSignatureException"},
		{"an unknown key", "bedrock", &unknown, nil, "UnrecognizedClientException"},
		{"a wrong API key", "", nil, []string{"Authorization", "Bearer ABSKnope"}, "AccessDeniedException"},
	} {
		res := signedPost(t, url, path, bedrockBody, c.service, c.creds, c.header...)
		b, _ := io.ReadAll(res.Body)
		var e struct{ Message string }
		if res.StatusCode != 403 || !strings.HasPrefix(res.Header.Get("x-amzn-errortype"), c.want+":") || json.Unmarshal(b, &e) != nil || e.Message == "" {
			t.Errorf("%s: %d %s %s", c.name, res.StatusCode, res.Header.Get("x-amzn-errortype"), b)
		}
	}
	// The body is signed too: changing it after signing breaks the signature.
	req, _ := http.NewRequest("POST", url+path, strings.NewReader(bedrockBody))
	sum := sha256.Sum256([]byte(bedrockBody))
	_ = v4.NewSigner().SignHTTP(context.Background(), testAWS, req, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", time.Now())
	tampered := strings.Replace(bedrockBody, "hello", "HELLO", 1)
	req.Body = io.NopCloser(strings.NewReader(tampered))
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 || !strings.HasPrefix(res.Header.Get("x-amzn-errortype"), "InvalidSignatureException") {
		t.Errorf("tampered body: %d %v", res.StatusCode, res.Header)
	}
}

func TestInvokeModelValidatesTheBedrockBody(t *testing.T) {
	_, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	for _, c := range []struct{ body, want string }{
		{`{"anthropic_version":"bedrock-2023-05-31","model":"x","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, "[model]"},
		{`{"anthropic_version":"bedrock-2023-05-31","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, "[stream]"},
		{`{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, "anthropic_version"},
		{`{"anthropic_version":"vertex-2023-10-16","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, "anthropic_version"},
		{`{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":"x","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, "anthropic_beta"},
		{`{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"x"}]}`, "max_tokens"},
	} {
		res := signedPost(t, url, "/model/anthropic.claude-sonnet-5-5/invoke", c.body, "bedrock", &testAWS)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("x-amzn-errortype"), "ValidationException:") || !bytes.Contains(b, []byte(c.want)) {
			t.Errorf("%s: %d %s %s", c.body, res.StatusCode, res.Header.Get("x-amzn-errortype"), b)
		}
	}
}

func TestBedrockFaultsAnswerInBedrocksShape(t *testing.T) {
	s, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	for _, c := range []struct {
		status int
		want   string
		code   int
	}{{429, "ThrottlingException", 429}, {500, "InternalServerException", 500}, {529, "ServiceUnavailableException", 503}} {
		s.SetRules([]sim.Rule{{Model: "claude-sonnet-5-5", Upstream: "bedrock", Status: c.status}})
		for _, path := range []string{"invoke", "invoke-with-response-stream"} {
			res := signedPost(t, url, "/model/us.anthropic.claude-sonnet-5-5-v1%3A0/"+path, bedrockBody, "bedrock", &testAWS)
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != c.code || !strings.HasPrefix(res.Header.Get("x-amzn-errortype"), c.want+":") || !json.Valid(b) || bytes.Contains(b, []byte(`"type"`)) {
				t.Errorf("%d on %s: %d %s %s", c.status, path, res.StatusCode, res.Header.Get("x-amzn-errortype"), b)
			}
		}
	}
	// Through the SDK the fault is an *anthropic.Error with Bedrock's status.
	s.SetRules([]sim.Rule{{Model: "*", Upstream: "bedrock", Status: 429}})
	client := bedrockClient(t, url, testAWS)
	_, err := client.Messages.New(ctx(t), params("anthropic.claude-sonnet-5-5", "hi"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Errorf("SDK error %v", err)
	}
}

func TestABedrockStreamErrorIsAnExceptionFrameBeforeOrAfterTheFirstToken(t *testing.T) {
	s, url, stop, _ := sim.Start()
	t.Cleanup(stop)
	for _, c := range []struct {
		after   int
		errType string
		want    string
	}{
		{0, "rate_limit_error", "throttlingException"},
		{3, "overloaded_error", "modelStreamErrorException"},
		{2, "api_error", "internalServerException"},
		{1, "invalid_request_error", "validationException"},
	} {
		s.SetRules([]sim.Rule{{Model: "*", StreamError: true, StreamErrorAfterTokens: c.after, ErrorType: c.errType}})
		res := signedPost(t, url, "/model/anthropic.claude-sonnet-5-5/invoke-with-response-stream", bedrockBody, "bedrock", &testAWS)
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		fs := frames(t, res.Body)
		last := fs[len(fs)-1]
		if last.Headers.Get(":message-type").String() != "exception" || last.Headers.Get(":exception-type").String() != c.want ||
			!bytes.Contains(last.Payload, []byte(`"message"`)) {
			t.Errorf("after %d: last frame %v %s", c.after, last.Headers, last.Payload)
		}
		deltas := 0
		for _, f := range fs[:len(fs)-1] {
			if typ, _ := chunkEvent(t, f); typ == "content_block_delta" {
				deltas++
			}
		}
		if (c.after == 0) != (deltas == 0) {
			t.Errorf("after %d tokens: %d deltas before the exception", c.after, deltas)
		}
	}
	// The SDK surfaces the exception as a stream error naming it.
	s.SetRules([]sim.Rule{{Model: "*", StreamErrorAfterTokens: 2, ErrorType: "rate_limit_error"}})
	client := bedrockClient(t, url, testAWS)
	stream := client.Messages.NewStreaming(ctx(t), params("anthropic.claude-sonnet-5-5", "hi"))
	for stream.Next() {
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "throttlingException") {
		t.Errorf("stream error %v", err)
	}
}

func TestARuleScopedToAnUpstreamLeavesTheOthersAnswering(t *testing.T) {
	s, client, url := start(t, sim.WithRules([]sim.Rule{{Upstream: "anthropic", Model: "*", Status: 529}}))
	if _, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi")); err == nil {
		t.Error("the first-party API should be down")
	}
	if res := signedPost(t, url, "/bedrock-us/model/us.anthropic.claude-sonnet-5-5/invoke", bedrockBody, "bedrock", &testAWS); res.StatusCode != 200 {
		t.Errorf("bedrock-us: %d", res.StatusCode)
	}
	s.SetRules([]sim.Rule{{Upstream: "bedrock-us", Model: "claude-sonnet-5-5", Status: 429}})
	if res := signedPost(t, url, "/bedrock-us/model/us.anthropic.claude-sonnet-5-5/invoke", bedrockBody, "bedrock", &testAWS); res.StatusCode != 429 {
		t.Errorf("bedrock-us under its rule: %d", res.StatusCode)
	}
	if res := signedPost(t, url, "/bedrock-eu/model/eu.anthropic.claude-sonnet-5-5/invoke", bedrockBody, "bedrock", &testAWS); res.StatusCode != 200 {
		t.Errorf("bedrock-eu: %d", res.StatusCode)
	}
	if _, err := client.Messages.New(ctx(t), params("claude-sonnet-5-5", "hi")); err != nil {
		t.Errorf("first-party: %v", err)
	}
	st := s.Stats()
	if st.Upstreams["anthropic"].Outcomes["status_529"] != 1 || st.Upstreams["bedrock-us"].Outcomes["status_429"] != 1 ||
		st.Upstreams["bedrock-eu"].Outcomes["ok"] != 1 || st.Upstreams["bedrock-us"].Kind != sim.KindBedrock {
		t.Errorf("upstream stats %+v", st.Upstreams)
	}
}

func TestABedrockStreamStallsOnTheServerClockAndCountsItInItsMetrics(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
	_, url, stop, _ := sim.Start(sim.WithClock(clk), sim.WithRules([]sim.Rule{{Model: "*", StallAfterTokens: 2, Stall: sim.Duration(5 * time.Second)}}))
	t.Cleanup(stop)
	res := signedPost(t, url, "/model/anthropic.claude-sonnet-5-5/invoke-with-response-stream", bedrockBody, "bedrock", &testAWS)
	dec := eventstream.NewDecoder()
	for {
		msg, err := dec.Decode(res.Body, nil)
		if err != nil {
			t.Fatal(err)
		}
		if typ, _ := chunkEvent(t, msg); typ == "content_block_start" {
			break
		}
	}
	clk.WaitForTimers(1) // the stall, after two tokens
	clk.Advance(5 * time.Second)
	fs := frames(t, res.Body)
	_, last := chunkEvent(t, fs[len(fs)-1])
	m, _ := last["amazon-bedrock-invocationMetrics"].(map[string]any)
	if last["type"] != "message_stop" || m["invocationLatency"].(float64) < 5000 {
		t.Errorf("last event %v", last)
	}
}

func TestABedrockResetCutsTheConnection(t *testing.T) {
	_, url, stop, _ := sim.Start(sim.WithRules([]sim.Rule{{Model: "*", Upstream: "bedrock", Reset: true}}))
	t.Cleanup(stop)
	req, _ := http.NewRequest("POST", url+"/model/anthropic.claude-sonnet-5-5/invoke", strings.NewReader(bedrockBody))
	req.Header.Set("Authorization", "Bearer "+sim.AWSBearerToken)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	if res, err := (&http.Client{Transport: tr}).Do(req); err == nil {
		res.Body.Close()
		t.Errorf("answered %d, want a cut connection", res.StatusCode)
	}
}
