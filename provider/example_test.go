package provider_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/bulwarkhq/bulwark/provider"
)

// A Bedrock upstream with a Bedrock API key: the call is checked, built
// (model into the path, body translated, the beta moved into it) and its
// answer turned back into the first-party API's.
func Example() {
	bedrock := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path)
		fmt.Println(r.Header.Get("Authorization"))
		fmt.Println(string(body))
		w.Header().Set("X-Amzn-Errortype", "ThrottlingException")
		w.Header().Set("X-Amzn-Requestid", "b0c1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
	}))
	defer bedrock.Close()

	env := map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "example-bedrock-key"}
	u, err := provider.New(context.Background(), "bedrock-us", provider.Settings{
		Kind:    provider.Bedrock,
		Region:  "us-east-1",
		BaseURL: bedrock.URL,
		Models:  map[string]string{"claude-sonnet-5-5": "us.anthropic.claude-sonnet-5-5"},
	}, provider.WithEnv(func(k string) string { return env[k] }),
		provider.WithSecretSink(func(secret string) { fmt.Println("redact", len(secret), "bytes") }))
	if err != nil {
		panic(err)
	}

	var un *provider.Unsupported
	if err := u.Check(provider.OpMessages, "claude-opus-5", nil, nil); errors.As(err, &un) {
		fmt.Println("skip:", un.Reason)
	}

	body := []byte(`{"model":"claude-sonnet-5-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}`)
	h := http.Header{"Anthropic-Version": {"2023-06-01"}, "Anthropic-Beta": {"context-1m-2025-08-07"}}
	req, err := u.NewRequest(context.Background(), provider.OpMessages, "claude-sonnet-5-5", false, body, h)
	if err != nil {
		panic(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp = u.Response(resp, false)
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Request-Id"))
	fmt.Println(string(answer))
	// Output:
	// redact 19 bytes
	// skip: model not served
	// POST /model/us.anthropic.claude-sonnet-5-5/invoke
	// Bearer example-bedrock-key
	// {"max_tokens":64,"messages":[{"role":"user","content":"Hi"}],"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-1m-2025-08-07"]}
	// 429 b0c1
	// {"type":"error","error":{"type":"rate_limit_error","message":"Too many requests"},"request_id":"b0c1"}
}
