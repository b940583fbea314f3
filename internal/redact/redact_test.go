package redact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/redact"
)

const key = "sk-ant-api03-Abc/Def+Ghi_123-xyz"

func TestBytesReplacesEverySecretInEachWrittenForm(t *testing.T) {
	r := redact.New(key, "ck-client-key-1", "", "short")
	m := redact.Marker
	for _, tt := range []struct {
		name, in, want string
	}{
		{"no secret", `{"error":{"message":"bad"}}`, `{"error":{"message":"bad"}}`},
		{"raw", "key " + key + " end", "key " + m + " end"},
		{"twice", key + key, m + m},
		{"two secrets", "a ck-client-key-1 b " + key, "a " + m + " b " + m},
		{"json with slash escaped", `{"m":"sk-ant-api03-Abc\/Def+Ghi_123-xyz"}`, `{"m":"` + m + `"}`},
		{"in a longer string", `{"m":"x-api-key: ` + key + `."}`, `{"m":"x-api-key: ` + m + `."}`},
		{"short secrets are ignored", "short and empty", "short and empty"},
		{"a prefix is not the secret", "sk-ant-api03-Abc", "sk-ant-api03-Abc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(r.Bytes([]byte(tt.in))); got != tt.want {
				t.Errorf("Bytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBytesFindsSecretsAsJSONEncodersEscapeThem(t *testing.T) {
	for _, secret := range []string{`quote"in-key-1`, `back\slash-key`, `html<&>key-123`, "uni\u2028code-key", "slash/key/12345"} {
		r := redact.New(secret)
		for _, html := range []bool{true, false} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			if err := enc.Encode(map[string]string{"message": "echo " + secret + " end"}); err != nil {
				t.Fatal(err)
			}
			out := r.Bytes(buf.Bytes())
			var v map[string]string
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("secret %q html=%t: %s is not JSON: %v", secret, html, out, err)
			}
			if v["message"] != "echo "+redact.Marker+" end" {
				t.Errorf("secret %q html=%t: message %q", secret, html, v["message"])
			}
		}
	}
}

func TestBytesTakesTheEscapingBackslashWhenASecretStartsAfterIt(t *testing.T) {
	// A secret that starts with "n" right after a JSON "\": the escape would
	// be cut in half.
	r := redact.New("nSECRET-123")
	in := `{"m":"line\nSECRET-123 and \\nSECRET-123"}`
	out := r.Bytes([]byte(in))
	if !json.Valid(out) {
		t.Fatalf("%s is not JSON", out)
	}
	want := `{"m":"line` + redact.Marker + ` and \\` + redact.Marker + `"}`
	if string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
}

func TestBytesPrefersTheLongerSecretWhereTwoOverlap(t *testing.T) {
	r := redact.New("abcdefgh", "abcdefgh-longer")
	if got := r.String("x abcdefgh-longer y"); got != "x "+redact.Marker+" y" {
		t.Errorf("got %q", got)
	}
	r = redact.New("abcdefgh12", "12345678xx")
	if got := r.String("abcdefgh12345678xx"); strings.Contains(got, "abcdefgh12") || strings.Contains(got, "12345678xx") {
		t.Errorf("got %q", got)
	}
}

func TestCleanInputIsReturnedWithoutACopy(t *testing.T) {
	r := redact.New(key)
	b := []byte("nothing secret here, nothing at all")
	if out := r.Bytes(b); &out[0] != &b[0] {
		t.Error("Bytes copied a clean input")
	}
	h := http.Header{"Request-Id": {"req_1"}}
	if out := r.Header(h); reflect.ValueOf(out).UnsafePointer() != reflect.ValueOf(h).UnsafePointer() {
		t.Error("Header copied a clean header")
	}
	err := io.ErrUnexpectedEOF
	if r.Error(err) != err {
		t.Error("Error wrapped a clean error")
	}
	var nilR *redact.Redactor
	if got := nilR.String(key); got != key {
		t.Error("a nil Redactor changed its input")
	}
}

func TestHeaderRedactsValuesAndDropsNamesHoldingASecret(t *testing.T) {
	r := redact.New(key)
	h := http.Header{
		"X-Echo-Key":  {key},
		"X-" + key:    {"1"},
		"Request-Id":  {"req_1"},
		"Retry-After": {"1", "key=" + key},
	}
	out := r.Header(h)
	want := http.Header{"X-Echo-Key": {redact.Marker}, "Request-Id": {"req_1"}, "Retry-After": {"1", "key=" + redact.Marker}}
	if len(out) != len(want) {
		t.Fatalf("got %v, want %v", out, want)
	}
	for k, vv := range want {
		if strings.Join(out[k], ",") != strings.Join(vv, ",") {
			t.Errorf("%s: got %q, want %q", k, out[k], vv)
		}
	}
	if h.Get("X-Echo-Key") != key {
		t.Error("Header changed its input")
	}
}

func TestErrorRedactsTheTextAndStillUnwraps(t *testing.T) {
	r := redact.New("hunter22-password")
	base := errors.New("proxyconnect tcp: dial http://bob:hunter22-password@proxy:3128 failed; token hunter22-password")
	err := r.Error(base)
	if want := "proxyconnect tcp: dial http://proxy:3128 failed; token " + redact.Marker; err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, base) {
		t.Error("the redacted error does not unwrap to its cause")
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}

func TestUserinfoStripsEveryURLsUserAndPassword(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://api.anthropic.com", "https://api.anthropic.com"},
		{"https://user:pass@proxy.example:8443/base", "https://proxy.example:8443/base"},
		{"redis://:secret@10.0.0.1:6379/0", "redis://10.0.0.1:6379/0"},
		{"rediss://default:p%40ss@host", "rediss://host"},
		{"token@host", "token@host"},
		{`Post "https://u:p@h/v1/messages": EOF, then http://a@b?x=c@d`, `Post "https://h/v1/messages": EOF, then http://b?x=c@d`},
		{"http://h/path@not-userinfo", "http://h/path@not-userinfo"},
		{"%zz://u:p@h", "%zz://h"},
		{"no url at all", "no url at all"},
	} {
		if got := redact.Userinfo(tt.in); got != tt.want {
			t.Errorf("Userinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	u, _ := url.Parse("https://user:pass@host:1/p?q=1")
	if got := redact.URL(u); got != "https://host:1/p?q=1" {
		t.Errorf("URL = %q", got)
	}
	if u.User == nil {
		t.Error("URL changed its input")
	}
}

func TestAddRegistersSecretsWhileTheRedactorIsInUse(t *testing.T) {
	r := redact.New(key)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add(strings.Repeat(string(rune('a'+i)), 12))
		}()
		go func() {
			defer wg.Done()
			if r.String(key) != redact.Marker {
				t.Error("a secret was lost while another was added")
			}
		}()
	}
	wg.Wait()
	for i := range 4 {
		if s := strings.Repeat(string(rune('a'+i)), 12); r.String(s) != redact.Marker {
			t.Errorf("%q was not added", s)
		}
	}
	d := r.With("request-own-key-1")
	if d.String("request-own-key-1 "+key) != redact.Marker+" "+redact.Marker || r.Contains("request-own-key-1") {
		t.Error("With must add to a copy, not to r")
	}
}

func TestCredentialsAreTheKeyAndTheBearerToken(t *testing.T) {
	for _, c := range []struct {
		name   string
		header http.Header
		want   []string
	}{
		{"none", http.Header{}, nil},
		{"x-api-key", http.Header{"X-Api-Key": {"sk-1"}}, []string{"sk-1"}},
		{"bearer", http.Header{"Authorization": {"Bearer  tok-2 "}}, []string{"tok-2"}},
		{"bearer in other case", http.Header{"Authorization": {"bEaReR tok-3"}}, []string{"tok-3"}},
		{"other scheme kept whole", http.Header{"Authorization": {"Basic abc"}}, []string{"Basic abc"}},
		{"both", http.Header{"X-Api-Key": {"sk-1"}, "Authorization": {"Bearer tok-2"}}, []string{"sk-1", "tok-2"}},
	} {
		if got := redact.Credentials(c.header); !slices.Equal(got, c.want) {
			t.Errorf("%s: Credentials = %q, want %q", c.name, got, c.want)
		}
	}
}
