package gateway_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestProfileFromConfig(t *testing.T) {
	c := config.DefaultBatch()
	c.Backoff.Jitter = config.JitterDecorrelated
	p := gateway.Profile("batch", c)
	if p.Name != "batch" || p.Attempts != 5 || p.PrimaryAttempts != 1 || p.Deadline != 0 ||
		p.AttemptTimeout != 10*time.Minute || p.FirstTokenTimeout != time.Minute || p.Backoff.Jitter != backoff.Decorrelated {
		t.Fatalf("%+v", p)
	}
}

func TestProfileFromConfigCarriesTheFallbackReserve(t *testing.T) {
	c := config.DefaultInteractive()
	c.FallbackReserve = config.Duration(3 * time.Second)
	c.MinFallbackReserve = config.Duration(time.Second)
	c.MinAttempt = config.Duration(500 * time.Millisecond)
	p := gateway.Profile("interactive", c)
	if p.FallbackReserve != 3*time.Second || p.MinFallbackReserve != time.Second || p.MinAttempt != 500*time.Millisecond {
		t.Fatalf("%+v", p)
	}
}

func TestWithConfigNeedsEveryClientKeyVariable(t *testing.T) {
	c := config.Default()
	c.Clients = []config.Client{{KeyEnv: "BULWARK_TEST_KEY_UNSET_1", User: "a"}}
	_, err := gateway.New(gateway.WithConfig(c))
	if !errors.Is(err, gateway.ErrConfig) || !strings.Contains(err.Error(), "BULWARK_TEST_KEY_UNSET_1") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("BULWARK_TEST_KEY_SET_1", "secret-value")
	c.Clients = []config.Client{{KeyEnv: "BULWARK_TEST_KEY_SET_1"}}
	if _, err := gateway.New(gateway.WithConfig(c)); err != nil {
		t.Fatal(err)
	}
}

func TestWithConfigReadsTheAdminKeyFromItsVariable(t *testing.T) {
	c := config.Default()
	c.AdminKeyEnv = "BULWARK_TEST_ADMIN_UNSET_1"
	_, err := gateway.New(gateway.WithConfig(c))
	if !errors.Is(err, gateway.ErrConfig) || !strings.Contains(err.Error(), "BULWARK_TEST_ADMIN_UNSET_1") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("BULWARK_TEST_ADMIN_SET_1", "admin-secret-value")
	c.AdminKeyEnv = "BULWARK_TEST_ADMIN_SET_1"
	g, err := gateway.New(gateway.WithConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"": 401, "admin-secret-value": 200} {
		r := httptest.NewRequest("GET", "/v1/status", nil)
		r.Header.Set("X-Api-Key", key)
		w := httptest.NewRecorder()
		g.Handler().ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("key %q: %d, want %d", key, w.Code, want)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for name, opt := range map[string]gateway.Option{
		"upstream not a URL":   gateway.WithUpstream("ftp://x"),
		"no default chain":     gateway.WithChains(map[string][]string{"x": {"a"}}),
		"static before models": gateway.WithChains(map[string][]string{"default": {"static", "a"}}),
		"empty client key":     gateway.WithClientKeys(gateway.ClientKey{}),
	} {
		if _, err := gateway.New(opt); !errors.Is(err, gateway.ErrConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestNewEngineLogsCooldownsAndBreakerChanges(t *testing.T) {
	var buf bytes.Buffer
	c := config.Default()
	c.Breaker.Failures = 1
	eng := gateway.NewEngine(c, slog.New(slog.NewJSONHandler(&buf, nil)), nil, nil)
	eng.Breakers().Cooldown("m", time.Second)
	eng.Breakers().Record("m", taxonomy.CountFailure)
	for _, want := range []string{`"msg":"cooldown.start"`, `"msg":"breaker.state_change"`, `"to":"open"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %s in\n%s", want, buf.String())
		}
	}
}
