package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/goccy/go-yaml"
)

func TestDefaultHasTheDocumentedValues(t *testing.T) {
	c := Default()
	if c.Addr != "127.0.0.1:8080" || c.Upstream != "" || c.Redis != "" {
		t.Errorf("addr/upstream/redis = %q %q %q", c.Addr, c.Upstream, c.Redis)
	}
	if got := Names(c.Chains[DefaultChain]); !reflect.DeepEqual(got, []string{"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}) || len(c.Chains) != 2 {
		t.Errorf("chains = %v", c.Chains)
	}
	if got := Names(c.Chains[OpusModel]); !reflect.DeepEqual(got, []string{"claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}) {
		t.Errorf("Opus chain = %v: Claude Code's default model must fall back to Sonnet and Haiku", got)
	}
	in := c.Profiles[ProfileInteractive]
	if in.Attempts != 3 || in.PrimaryAttempts != 0 || in.Deadline.Std() != 25*time.Second ||
		in.AttemptTimeout.Std() != 20*time.Second || in.FirstTokenTimeout.Std() != 10*time.Second ||
		in.IdleTimeout.Std() != 30*time.Second || in.Backoff != (Backoff{Duration(time.Second), Duration(time.Minute), JitterFull}) {
		t.Errorf("interactive = %+v", in)
	}
	b := c.Profiles[ProfileBatch]
	if b.Attempts != 5 || b.PrimaryAttempts != 1 || b.Deadline != 0 || b.AttemptTimeout <= 0 ||
		b.Backoff != (Backoff{Duration(time.Second), Duration(time.Minute), JitterFull}) {
		t.Errorf("batch = %+v", b)
	}
	if c.Breaker != (Breaker{5, Duration(30 * time.Second), Duration(30 * time.Second), 1, 0, 10, Duration(time.Second)}) {
		t.Errorf("breaker = %+v", c.Breaker)
	}
	if c.RetryBudget != (RetryBudget{0.2, 10}) {
		t.Errorf("retry_budget = %+v", c.RetryBudget)
	}
	if c.UserBreaker != (UserBreaker{5, Duration(time.Minute)}) {
		t.Errorf("user_breaker = %+v", c.UserBreaker)
	}
	if c.Cache != (Cache{false, Duration(10 * time.Minute)}) {
		t.Errorf("cache = %+v", c.Cache)
	}
	if c.Messages.Unavailable == "" || c.Messages.Timeout == "" || c.Messages.Notice == "" {
		t.Errorf("messages = %+v", c.Messages)
	}
	if !reflect.DeepEqual(c.Prices, catalog.DefaultPrices()) {
		t.Errorf("prices = %v", c.Prices)
	}
	if len(c.Clients) != 0 {
		t.Errorf("clients = %v", c.Clients)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestDefaultReturnsFreshMaps(t *testing.T) {
	a := Default()
	a.Chains[DefaultChain][0].Model = "changed"
	a.Profiles[ProfileInteractive] = Profile{}
	a.Prices["claude-haiku-4-5"] = catalog.Price{}
	b := Default()
	if b.Chains[DefaultChain][0].Model != "claude-sonnet-5-5" || b.Profiles[ProfileInteractive].Attempts != 3 ||
		b.Prices["claude-haiku-4-5"].Input != 1 {
		t.Fatal("changing one Default() changed the next")
	}
}

func TestEmptyFilesGiveTheDefaults(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "---\n", "~\n", "null\n"} {
		c, err := Parse([]byte(src))
		if err != nil {
			t.Errorf("Parse(%q) error: %v", src, err)
			continue
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("Parse(%q) = %+v, want Default()", src, c)
		}
	}
}

// TestOneSettingFiles checks that a file holding one setting changes that
// setting and keeps every other default.
func TestOneSettingFiles(t *testing.T) {
	tests := []struct {
		name string
		src  string
		edit func(*Config) // applied to Default() to get the expected result
	}{
		{"addr", "addr: :9000\n", func(c *Config) { c.Addr = ":9000" }},
		{"upstream", "upstream: https://api.anthropic.com\n", func(c *Config) { c.Upstream = "https://api.anthropic.com" }},
		{"redis", "redis: redis://127.0.0.1:6379/0\n", func(c *Config) { c.Redis = "redis://127.0.0.1:6379/0" }},
		{"one profile field keeps the rest of the profile", "profiles: {interactive: {deadline: 5s}}\n", func(c *Config) {
			p := c.Profiles[ProfileInteractive]
			p.Deadline = Duration(5 * time.Second)
			c.Profiles[ProfileInteractive] = p
		}},
		{"one backoff field keeps the rest of the backoff", "profiles:\n  batch:\n    backoff:\n      jitter: decorrelated\n", func(c *Config) {
			p := c.Profiles[ProfileBatch]
			p.Backoff.Jitter = JitterDecorrelated
			c.Profiles[ProfileBatch] = p
		}},
		{"a new profile starts from interactive", "profiles: {fast: {attempts: 1, deadline: 3s}}\n", func(c *Config) {
			p := DefaultInteractive()
			p.Attempts, p.Deadline = 1, Duration(3*time.Second)
			c.Profiles["fast"] = p
		}},
		{"an empty profile entry is the default", "profiles: {batch: }\n", func(c *Config) {}},
		{"a new chain keeps the default chain", "chains: {claude-opus-5-5: [claude-opus-5-5, static]}\n", func(c *Config) {
			c.Chains["claude-opus-5-5"] = Tiers("claude-opus-5-5", "static")
		}},
		{"the default chain replaced", "chains: {default: [claude-haiku-5-5, cache, static]}\n", func(c *Config) {
			c.Chains[DefaultChain] = Tiers("claude-haiku-5-5", "cache", "static")
		}},
		{"breaker field", "breaker:\n  open_for: 1m\n", func(c *Config) { c.Breaker.OpenFor = Duration(time.Minute) }},
		{"recovery probes off", "breaker:\n  recovery_probe_interval: 0s\n", func(c *Config) { c.Breaker.RecoveryProbeInterval = 0 }},
		{"retry budget field", "retry_budget: {ratio: 0.5}\n", func(c *Config) { c.RetryBudget.Ratio = 0.5 }},
		{"user breaker field", "user_breaker: {failures: 2}\n", func(c *Config) { c.UserBreaker.Failures = 2 }},
		{"cache on", "cache: {enabled: true}\n", func(c *Config) { c.Cache.Enabled = true }},
		{"one message", "messages: {timeout: Still thinking. Try again soon.}\n", func(c *Config) {
			c.Messages.Timeout = "Still thinking. Try again soon."
		}},
		{"one price field keeps the other default fields", "prices: {claude-haiku-4-5: {input: 0.8}}\n", func(c *Config) {
			c.Prices["claude-haiku-4-5"] = catalog.Price{Input: 0.8, Output: 5, CacheWrite: 1.25, CacheRead: 0.10}
		}},
		{"a new price keeps the default prices; missing fields are 0", "prices: {claude-sonnet-5-5: {input: 2, output: 10}}\n", func(c *Config) {
			c.Prices["claude-sonnet-5-5"] = catalog.Price{Input: 2, Output: 10}
		}},
		{"clients", "clients:\n  - key_env: WEB_KEY\n    user: web\n  - {key_env: CLI_KEY}\n", func(c *Config) {
			c.Clients = []Client{{KeyEnv: "WEB_KEY", User: "web"}, {KeyEnv: "CLI_KEY"}}
		}},
		{"zero duration needs no unit", "profiles: {interactive: {deadline: 0}}\n", func(c *Config) {
			p := c.Profiles[ProfileInteractive]
			p.Deadline = 0
			c.Profiles[ProfileInteractive] = p
		}},
		{"a null section keeps its defaults", "breaker:\nprofiles:\nchains:\n", func(c *Config) {}},
		{"an integer written as a float", "breaker: {failures: 3.0}\n", func(c *Config) { c.Breaker.Failures = 3 }},
		{"a profile reused through an anchor and a merge key",
			"profiles:\n  interactive: &fast {attempts: 2}\n  quick: *fast\n  slow: {<<: *fast, deadline: 1m}\n", func(c *Config) {
				p := DefaultInteractive()
				p.Attempts = 2
				c.Profiles[ProfileInteractive] = p
				c.Profiles["quick"] = p
				p.Deadline = Duration(time.Minute)
				c.Profiles["slow"] = p
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			want := Default()
			tt.edit(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.src, got, want)
			}
		})
	}
}

func TestParseErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the whole message
		line int
		key  string
	}{
		{"unknown top-level key", "addr: :8080\n\n# the breaker\nbreakr:\n  failures: 3\n",
			`line 4: unknown key "breakr"`, 4, "breakr"},
		{"unknown nested key", "profiles:\n  interactive:\n    atempts: 3\n",
			`line 3: unknown key "profiles.interactive.atempts"`, 3, "profiles.interactive.atempts"},
		{"unknown key in a flow mapping", "breaker: {failures: 3, windw: 5s}\n",
			`line 1: unknown key "breaker.windw"`, 1, "breaker.windw"},
		{"unknown key in a list item", "clients:\n  - key_env: A\n    usr: x\n",
			`line 3: unknown key "clients[0].usr"`, 3, "clients[0].usr"},
		{"unknown price field", "prices:\n  claude-haiku-4-5: {inptu: 1}\n",
			`line 2: unknown key "prices.claude-haiku-4-5.inptu"`, 2, "prices.claude-haiku-4-5.inptu"},
		{"string for an integer", "profiles:\n  interactive:\n    attempts: three\n",
			`line 3: profiles.interactive.attempts: want a whole number, got "three"`, 3, "profiles.interactive.attempts"},
		{"fraction for an integer", "breaker:\n  failures: 2.5\n",
			`line 2: breaker.failures: want a whole number, got 2.5`, 2, "breaker.failures"},
		{"string for a float", "retry_budget: {ratio: lots}\n",
			`line 1: retry_budget.ratio: want a number, got "lots"`, 1, "retry_budget.ratio"},
		{"word for a bool", "cache:\n  enabled: yes\n",
			`line 2: cache.enabled: want true or false, got "yes"`, 2, "cache.enabled"},
		{"mapping for a string", "addr:\n  host: x\n",
			`line 2: addr: want a string, got a mapping`, 2, "addr"},
		{"scalar for a list", "chains:\n  default: claude-sonnet-5-5\n",
			`line 2: chains.default: want a list, got a string`, 2, "chains.default"},
		{"scalar for a list item mapping", "clients: [5]\n",
			`line 1: clients[0]: want a mapping, got an integer`, 1, "clients[0]"},
		{"number too large", "breaker: {failures: 99999999999999999999}\n",
			`line 1: breaker.failures: 99999999999999999999 does not fit in a whole number`, 1, "breaker.failures"},
		{"duration without a unit", "profiles:\n  batch:\n    attempt_timeout: 300\n",
			`line 3: profiles.batch.attempt_timeout: duration "300" has no unit; write a Go duration such as "300s" or "300ms"`,
			3, "profiles.batch.attempt_timeout"},
		{"bad duration", "cache: {ttl: 10 minutes}\n",
			`line 1: cache.ttl: invalid duration "10 minutes"; write a Go duration such as "2s", "150ms" or "1m30s"`, 1, "cache.ttl"},
		{"list for a duration", "user_breaker:\n  window: [1m]\n",
			`line 2: user_breaker.window: want a duration such as "2s" or "150ms", got a list`, 2, "user_breaker.window"},
		{"duplicate key", "addr: a:1\naddr: b:2\n",
			`line 2: mapping key "addr" already defined at [1:1]`, 2, ""},
		{"broken YAML", "addr: [\n", `line 1: sequence end token ']' not found`, 1, ""},
		{"not a mapping", "- addr\n", `line 1: the file must be a mapping of keys such as addr: and chains:, got a list`, 1, ""},
		{"two documents", "addr: :1\n---\naddr: :2\n", `line 3: the file holds more than one YAML document; write one`, 3, ""},
		{"validation error gets its line", "chains:\n  default: [claude-sonnet-5-5]\nprofiles:\n  interactive:\n    attempts: 0\n",
			`line 5: profiles.interactive.attempts: must be at least 1, got 0`, 5, "profiles.interactive.attempts"},
		{"validation error in a list item", "chains:\n  default:\n    - static\n    - claude-haiku-5-5\n",
			`line 4: chains.default[1]: model claude-haiku-5-5 comes after "static"; "cache" and "static" may only end a chain`, 4, "chains.default[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.src)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
			if ce.Line != tt.line || ce.Key != tt.key {
				t.Errorf("Line, Key = %d, %q; want %d, %q", ce.Line, ce.Key, tt.line, tt.key)
			}
		})
	}
}

func TestParseReportsEveryValidationProblem(t *testing.T) {
	src := "breaker:\n  failures: 0\nretry_budget:\n  ratio: 1.5\n"
	_, err := Parse([]byte(src))
	want := "line 2: breaker.failures: must be at least 1, got 0\nline 4: retry_budget.ratio: must be between 0 and 1, got 1.5"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	src := "addr: 127.0.0.1:8080\nchains:\n  default: [claude-sonnet-5-5, static]\nprofiles:\n  interactive: {deadline: 5s}\n\nbreakr: {failures: 3}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:7: unknown key "breakr"`
	if err == nil || err.Error() != want {
		t.Fatalf("Load error = %v, want %s", err, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.File != path || ce.Line != 7 || ce.Key != "breakr" {
		t.Fatalf("error fields = %+v", ce)
	}

	if err := os.WriteFile(path, []byte("profiles: {interactive: {deadline: 5s}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Profiles[ProfileInteractive].Deadline.Std() != 5*time.Second {
		t.Fatalf("Load = %+v, %v", c.Profiles, err)
	}

	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) error = %v, want os.ErrNotExist", err)
	}
}

// everything returns a Config in which every field differs from its default.
func everything() Config {
	c := Default()
	c.Addr = "0.0.0.0:9090"
	c.Upstream = "https://api.example.com"
	c.Chains = map[string][]Tier{
		DefaultChain:      Tiers("claude-haiku-5-5", TierCache, TierStatic),
		"claude-opus-5-5": {{Model: "claude-opus-5-5", Via: []string{"anthropic", "anthropic-b"}, Balance: BalanceOrdered}, {Model: "claude-sonnet-5-5"}},
	}
	c.Upstreams = map[string]Upstream{
		DefaultUpstream: {Kind: provider.Anthropic, BaseURL: "https://api.example.com"},
		"anthropic-b":   {Kind: provider.Anthropic, APIKeyEnv: "KEY_B"},
		"bedrock-us": {Kind: provider.AWS, BaseURL: "https://b.example.com", APIKeyEnv: "AWS_KEY", Region: "us-east-1",
			Project: "p", WorkspaceID: "w", Resource: "r", Models: map[string]string{"claude-opus-5-5": "us.anthropic.claude-opus-5-5"},
			CredentialsFile: "/f.json", TokenURL: "https://t.example.com", AWSProfile: "prof",
			STSEndpoint: "https://sts.example.com", IMDSEndpoint: "http://imds.example.com"},
	}
	c.Profiles = map[string]Profile{
		ProfileInteractive: {
			Attempts: 2, PrimaryAttempts: 4,
			Backoff:  Backoff{Initial: Duration(200 * time.Millisecond), Max: Duration(5 * time.Second), Jitter: JitterDecorrelated},
			Deadline: Duration(8 * time.Second), AttemptTimeout: Duration(3 * time.Second),
			FirstTokenTimeout: Duration(1500 * time.Millisecond), IdleTimeout: Duration(4 * time.Second),
			FallbackReserve: Duration(3 * time.Second), MinFallbackReserve: Duration(time.Second), MinAttempt: Duration(500 * time.Millisecond),
		},
		ProfileBatch: {
			Attempts: 7, PrimaryAttempts: 2,
			Backoff:  Backoff{Initial: Duration(2 * time.Second), Max: Duration(2 * time.Minute), Jitter: JitterFull},
			Deadline: Duration(time.Hour), AttemptTimeout: Duration(90 * time.Second),
			FirstTokenTimeout: Duration(45 * time.Second), IdleTimeout: Duration(50 * time.Second),
			FallbackReserve: Duration(time.Minute), MinFallbackReserve: Duration(10 * time.Second), MinAttempt: Duration(5 * time.Second),
		},
		"nightly": DefaultBatch(),
	}
	c.Breaker = Breaker{Failures: 9, Window: Duration(time.Minute), OpenFor: Duration(2 * time.Minute), HalfOpenProbes: 3}
	c.RetryBudget = RetryBudget{Ratio: 0.05, MinPerSecond: 1}
	c.UserBreaker = UserBreaker{Failures: 2, Window: Duration(10 * time.Minute)}
	c.Cache = Cache{Enabled: true, TTL: Duration(time.Hour)}
	c.Redis = "rediss://cache.internal:6380/2"
	c.Messages = Messages{Unavailable: "Down, back soon.", Timeout: "Too slow, sorry.", Notice: "Backup answered."}
	c.Prices = catalog.DefaultPrices()
	c.Prices["claude-haiku-4-5"] = catalog.Price{Input: 0.9, Output: 4.5, CacheWrite: 1.1, CacheRead: 0.09}
	c.Prices["claude-sonnet-5-5"] = catalog.Price{Input: 2, Output: 10, CacheWrite: 2.5, CacheRead: 0.1}
	c.Clients = []Client{{KeyEnv: "WEB_KEY", User: "web"}, {KeyEnv: "CLI_KEY"}}
	c.Tracing = Tracing{Endpoint: "http://otel-collector:4318", Protocol: "grpc", SampleRatio: 0.25, ServiceName: "bulwark-eu",
		Headers: map[string]string{"x-tenant": "eu"}}
	return c
}

func TestEveryKeyRoundTrips(t *testing.T) {
	want := everything()
	if err := want.Validate(); err != nil {
		t.Fatalf("everything() is invalid: %v", err)
	}
	out, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if !strings.Contains(string(out), key+":") {
			t.Errorf("marshalled config lacks key %q:\n%s", key, out)
		}
	}
	got, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(marshalled) error: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip through YAML\n got %+v\nwant %+v\n%s", got, want, out)
	}
}

// yamlKeys lists the yaml keys of t's fields, recursively.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	for i := range t.NumField() {
		k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, k)
		keys = append(keys, yamlKeys(t.Field(i).Type)...)
	}
	return keys
}

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}

// containsKey reports whether key appears as a YAML key ("key:") outside
// the comments of src.
func containsKey(src, key string) bool {
	for _, line := range strings.Split(src, "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = " " + line
		if strings.Contains(line, " "+key+":") || strings.Contains(line, "{"+key+":") {
			return true
		}
	}
	return false
}
