package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

func TestScanRequestFindsTopLevelFields(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		model      string
		isString   bool
		stream     bool
		notBool    bool
		messages   bool
		user       string
		err        error
		dup        bool
		wantMember int
	}{
		{name: "plain", body: `{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`,
			model: "claude-sonnet-5-5", isString: true, messages: true, wantMember: 3},
		{name: "stream true", body: `{"stream": true, "model":"m","messages":[]}`, model: "m", isString: true, stream: true, messages: true, wantMember: 3},
		{name: "stream false", body: `{"stream":false,"model":"m","messages":[]}`, model: "m", isString: true, messages: true, wantMember: 3},
		{name: "stream not a bool", body: `{"stream":"true","model":"m","messages":[]}`, model: "m", isString: true, notBool: true, messages: true, wantMember: 3},
		{name: "stream a number", body: `{"stream":1,"model":"m","messages":[]}`, model: "m", isString: true, notBool: true, messages: true, wantMember: 3},
		{name: "stream null", body: `{"stream":null,"model":"m","messages":[]}`, model: "m", isString: true, messages: true, wantMember: 3},
		{name: "last stream counts", body: `{"stream":"x","stream":true,"model":"m","messages":[]}`, model: "m", isString: true, stream: true, messages: true, wantMember: 4},
		{name: "nested model is not top-level", body: `{"messages":[{"model":"x"}],"tools":[{"model":"y"}],"model":"m"}`,
			model: "m", isString: true, messages: true, wantMember: 3},
		{name: "no model", body: `{"messages":[]}`, messages: true, wantMember: 1},
		{name: "model not a string", body: `{"model":7,"messages":[]}`, messages: true, wantMember: 2},
		{name: "model null", body: `{"model":null,"messages":[]}`, messages: true, wantMember: 2},
		{name: "escaped key and value", body: `{"mod\u0065l":"a\u002Fb","messages":[]}`, model: "a/b", isString: true, messages: true, wantMember: 2},
		{name: "user id", body: `{"model":"m","metadata":{"x":[1,{"user_id":"no"}],"user_id":"u-1"},"messages":[]}`,
			model: "m", isString: true, messages: true, user: "u-1", wantMember: 3},
		{name: "user id not a string", body: `{"model":"m","metadata":{"user_id":5},"messages":[]}`, model: "m", isString: true, messages: true, wantMember: 3},
		{name: "duplicate model", body: `{"model":"a","model":"b","messages":[]}`, model: "b", isString: true, messages: true, dup: true, wantMember: 3},
		{name: "white space everywhere", body: " \n{ \"model\" :\t\"m\" , \"messages\" : [ ] } \r\n", model: "m", isString: true, messages: true, wantMember: 2},
		{name: "empty object", body: `{}`},
		{name: "array", body: `[1,2]`, err: jsonscan.ErrNotObject},
		{name: "string", body: `"model"`, err: jsonscan.ErrNotObject},
		{name: "truncated", body: `{"model":"m","messages":[`, err: jsonscan.ErrSyntax},
		{name: "trailing garbage", body: `{"model":"m"} x`, err: jsonscan.ErrSyntax},
		{name: "two objects", body: `{}{}`, err: jsonscan.ErrSyntax},
		{name: "trailing comma", body: `{"model":"m",}`, err: jsonscan.ErrSyntax},
		{name: "single quotes", body: `{'model':'m'}`, err: jsonscan.ErrSyntax},
		{name: "raw newline in string", body: "{\"model\":\"a\nb\"}", err: jsonscan.ErrSyntax},
		{name: "bad escape", body: `{"model":"\x"}`, err: jsonscan.ErrSyntax},
		{name: "bad number", body: `{"n":01}`, err: jsonscan.ErrSyntax},
		{name: "empty", body: ``, err: jsonscan.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f jsonscan.Request
			err := jsonscan.ScanRequest([]byte(tt.body), &f)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if f.Model != tt.model || f.ModelIsString != tt.isString || f.Stream != tt.stream || f.StreamNotBool != tt.notBool ||
				f.HasMessages != tt.messages || f.UserID != tt.user || f.DupModel != tt.dup {
				t.Fatalf("fields = %+v", f)
			}
			if len(f.Members) != tt.wantMember {
				t.Fatalf("%d members, want %d", len(f.Members), tt.wantMember)
			}
		})
	}
}

func TestRewriteModelKeepsEveryOtherByte(t *testing.T) {
	body := []byte("{\n  \"system\": \"be \\\"brief\\\"\",\n  \"model\" : \"claude-sonnet-5-5\",\n" +
		"  \"tools\": [{\"name\":\"t\",\"input_schema\":{\"type\":\"object\",\"model\":\"x\"}}],\n" +
		"  \"thinking\": {\"type\":\"enabled\",\"budget_tokens\":1024},\n  \"unknown_field\": 1.5e3,\n" +
		"  \"messages\": [{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"data\":\"AAAA\"}}]}]\n}")
	var f jsonscan.Request
	if err := jsonscan.ScanRequest(body, &f); err != nil {
		t.Fatal(err)
	}
	h, v, tl := f.ReplaceModel(body, []byte(`"claude-haiku-5-5"`))
	got := string(h) + string(v) + string(tl)
	want := strings.Replace(string(body), `"claude-sonnet-5-5"`, `"claude-haiku-5-5"`, 1)
	if got != want {
		t.Fatalf("rewritten body differs:\n%s\nwant\n%s", got, want)
	}
}

func TestValidDepthLimitMatchesEncodingJSON(t *testing.T) {
	for _, n := range []int{9999, 10000, 10001} {
		b := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		if got, want := jsonscan.Valid(b), json.Valid(b); got != want {
			t.Errorf("depth %d: Valid = %v, json.Valid = %v", n, got, want)
		}
	}
}

func FuzzScanRequest(f *testing.F) {
	for _, s := range []string{
		`{"model":"claude-sonnet-5-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		`{"mod\u0065l":"x","metadata":{"user_id":"u\u00e9"},"messages":[]}`,
		`{"model":"a","model":"b"}`, `{"stream":"true","stream":false}`, `{"stream": null}`, `[1,"2",{"3":null}]`, `{"n":-0.5e+10,"t":true,"f":false}`,
		`{"model":"\ud83d\ude00"}`, "{\"a\":\"\xff\"}", `{"a":1}x`, ` {} `, `{"a":[}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fs jsonscan.Request
		err := jsonscan.ScanRequest(body, &fs)
		if valid := jsonscan.Valid(body); valid != json.Valid(body) {
			t.Fatalf("Valid = %v, json.Valid = %v", valid, json.Valid(body))
		}
		var m map[string]json.RawMessage
		jerr := json.Unmarshal(body, &m)
		if (err == nil) != (jerr == nil) {
			// json.Unmarshal into a map fails on non-objects; so must we.
			t.Fatalf("ScanRequest err = %v, json err = %v", err, jerr)
		}
		if err != nil {
			return
		}
		raw, has := m["model"]
		if has != fs.HasModel {
			t.Fatalf("hasModel = %v, json says %v", fs.HasModel, has)
		}
		var model string
		isString := has && json.Unmarshal(raw, &model) == nil && raw[0] == '"'
		if !fs.DupModel && (isString != fs.ModelIsString || isString && model != fs.Model) {
			t.Fatalf("model = %q (%v), json says %q (%v)", fs.Model, fs.ModelIsString, model, isString)
		}
		rawStream, hasStream := m["stream"]
		notBool := hasStream && string(rawStream) != "true" && string(rawStream) != "false" && string(rawStream) != "null"
		if fs.Stream != (hasStream && string(rawStream) == "true") || fs.StreamNotBool != notBool {
			t.Fatalf("stream = %v, notBool = %v; json says %s", fs.Stream, fs.StreamNotBool, rawStream)
		}
		_, hasMsgs := m["messages"]
		if hasMsgs != fs.HasMessages {
			t.Fatalf("hasMessages = %v", fs.HasMessages)
		}
		if fs.ModelIsString && !fs.DupModel {
			h, v, tl := fs.ReplaceModel(body, []byte(`"other"`))
			nb := append(append(append([]byte(nil), h...), v...), tl...)
			var m2 map[string]json.RawMessage
			if err := json.Unmarshal(nb, &m2); err != nil {
				t.Fatalf("rewritten body invalid: %v", err)
			}
			if string(m2["model"]) != `"other"` {
				t.Fatalf("model after rewrite = %s", m2["model"])
			}
			for k, v := range m {
				if k != "model" && !bytes.Equal(m2[k], v) {
					t.Fatalf("member %q changed: %s -> %s", k, v, m2[k])
				}
			}
		}
	})
}
