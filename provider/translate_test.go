package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// richBody has what providers' users say gets lost: cache_control, a
// thinking block and its signature, tools, an image, odd spacing.
const richBody = `{"model":"claude-sonnet-5-5", "max_tokens":1024,"stream":true,
 "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
 "thinking":{"type":"enabled","budget_tokens":2048},
 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}},"cache_control":{"type":"ephemeral"}}],
 "messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"text","text":"h\u00e9llo \"there\""}]},
  {"role":"assistant","content":[{"type":"thinking","thinking":"Let me see.","signature":"EqQBCkYIARgCKkB/sig=="},{"type":"text","text":"Hi"}]}]}`

func TestTranslateBody(t *testing.T) {
	cases := []struct {
		name  string
		k     Kind
		op    Op
		body  string
		id    string
		betas []string
		want  string
	}{
		{"bedrock drops model and stream, adds the version", Bedrock, OpMessages,
			`{"model":"m","stream":true,"max_tokens":5,"messages":[]}`, "us.m", nil,
			`{"max_tokens":5,"messages":[],"anthropic_version":"bedrock-2023-05-31"}`},
		{"bedrock keeps a version the client sent", Bedrock, OpMessages,
			`{"anthropic_version":"bedrock-2099-01-01","model":"m","messages":[]}`, "us.m", nil,
			`{"anthropic_version":"bedrock-2099-01-01","messages":[]}`},
		{"bedrock moves betas into the body", Bedrock, OpMessages,
			`{"model":"m","messages":[]}`, "us.m", []string{"interleaved-thinking-2025-05-14", "context-1m-2025-08-07"},
			`{"messages":[],"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["interleaved-thinking-2025-05-14","context-1m-2025-08-07"]}`},
		{"bedrock merges betas with the body's", Bedrock, OpMessages,
			`{"anthropic_beta":["a"],"model":"m"}`, "us.m", []string{"a", "b"},
			`{"anthropic_beta":["a","b"],"anthropic_version":"bedrock-2023-05-31"}`},
		{"bedrock keeps white space between kept members", Bedrock, OpMessages,
			"{ \"a\" : 1 ,\n \"model\":\"m\" , \"b\":2 }", "x", nil,
			"{ \"a\" : 1 , \"b\":2,\"anthropic_version\":\"bedrock-2023-05-31\" }"},
		{"bedrock drops an escaped key and duplicates", Bedrock, OpMessages,
			`{"mod\u0065l":"m","model":"n","x":[1]}`, "x", nil,
			`{"x":[1],"anthropic_version":"bedrock-2023-05-31"}`},
		{"bedrock of a body with only model", Bedrock, OpMessages,
			`{"model":"m"}`, "x", nil, `{"anthropic_version":"bedrock-2023-05-31"}`},
		{"an empty object", Bedrock, OpMessages, `{ }`, "x", nil, `{ "anthropic_version":"bedrock-2023-05-31"}`},
		{"vertex drops model, keeps stream", Vertex, OpMessages,
			`{"model":"m","stream":true,"messages":[]}`, "m@1", nil,
			`{"stream":true,"messages":[],"anthropic_version":"vertex-2023-10-16"}`},
		{"vertex count_tokens keeps the model, mapped", Vertex, OpCountTokens,
			`{"model":"m","messages":[]}`, "m@1", nil,
			`{"model":"m@1","messages":[],"anthropic_version":"vertex-2023-10-16"}`},
		{"first-party wire: model mapped", Foundry, OpMessages,
			`{"model":"claude-sonnet-5-5","messages":[]}`, "my-deployment", nil,
			`{"model":"my-deployment","messages":[]}`},
		{"first-party wire: model unchanged", AWS, OpMessages,
			`{"model":"m","stream":false}`, "m", nil, `{"model":"m","stream":false}`},
		{"first-party wire keeps betas in the header", GoogleCloud, OpMessages,
			`{"model":"m"}`, "m", []string{"x"}, `{"model":"m"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := translateBody(c.k, c.op, []byte(c.body), c.id, c.betas)
			if err != nil || string(got) != c.want {
				t.Fatalf("got %s, %v\nwant %s", got, err, c.want)
			}
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
		})
	}
}

func TestTranslateBodyKeepsEveryOtherByte(t *testing.T) {
	for _, k := range []Kind{Bedrock, Vertex, Anthropic} {
		got, err := translateBody(k, OpMessages, []byte(richBody), "id", []string{"b1"})
		if err != nil {
			t.Fatal(err)
		}
		assertOthersIdentical(t, []byte(richBody), got, dropsOf(k, OpMessages))
	}
}

func TestTranslateBodyRefusesWhatIsNotAnObject(t *testing.T) {
	for _, b := range []string{``, `[]`, `{"model":`, `"x"`, `{"a":1}x`} {
		if _, err := translateBody(Bedrock, OpMessages, []byte(b), "x", nil); !errors.Is(err, ErrBody) {
			t.Errorf("%q: %v, want ErrBody", b, err)
		}
	}
	if _, err := translateBody(Bedrock, OpMessages, []byte(`{"anthropic_beta":"x"}`), "x", []string{"b"}); !errors.Is(err, ErrBody) {
		t.Errorf("a string anthropic_beta: %v, want ErrBody", err)
	}
}

// dropsOf is what translateBody removes or changes for k and op.
func dropsOf(k Kind, op Op) []string {
	switch {
	case k == Bedrock:
		return []string{"model", "stream", "anthropic_version", "anthropic_beta"}
	case k == Vertex && op == OpMessages:
		return []string{"model", "anthropic_version"}
	}
	return []string{"model", "anthropic_version"}
}

// assertOthersIdentical checks that out is valid JSON whose top-level
// members not named in changed are those of in, byte for byte, in order.
func assertOthersIdentical(t *testing.T, in, out []byte, changed []string) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("output is not JSON: %q (from %q)", out, in)
	}
	a, b := keptMembers(in, changed), keptMembers(out, changed)
	if len(a) != len(b) {
		t.Fatalf("members %q became %q", a, b)
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("member %d %q became %q", i, a[i], b[i])
		}
	}
}

func keptMembers(body []byte, changed []string) [][]byte {
	var r jsonscan.Request
	if jsonscan.ScanRequest(body, &r) != nil {
		return nil
	}
	var out [][]byte
	for _, m := range r.Members {
		if !containsString(changed, memberName(body, m)) {
			out = append(out, body[m.KeyStart:m.ValEnd])
		}
	}
	return out
}

func FuzzTranslateBody(f *testing.F) {
	f.Add([]byte(richBody), "id", "a,b")
	f.Add([]byte(`{}`), "x", "")
	f.Add([]byte(`{"model":"m","stream":true}`), "x\"y", "files-api-2025-04-14")
	f.Add([]byte(` { "a" : [ 1 , 2 ] , "model" : null } `), "é", ",")
	f.Add([]byte(`{"anthropic_beta":["q"],"anthropic_version":"v"}`), "x", "q,r")
	f.Fuzz(func(t *testing.T, body []byte, id, betaHeader string) {
		var r jsonscan.Request
		if jsonscan.ScanRequest(body, &r) != nil {
			return
		}
		betas := splitBetas([]string{betaHeader})
		for _, k := range []Kind{Bedrock, Vertex, Foundry} {
			for _, op := range []Op{OpMessages, OpCountTokens} {
				out, err := translateBody(k, op, body, id, betas)
				if err != nil {
					if errors.Is(err, ErrBody) {
						continue // an anthropic_beta that is not strings
					}
					t.Fatal(err)
				}
				assertOthersIdentical(t, body, out, dropsOf(k, op))
			}
		}
	})
}
