package bulwark

import (
	"reflect"
	"slices"
	"testing"

	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/store"
)

// Both faces start from the same defaults: the library's settings before
// any option, and the gateway as `bulwark serve` builds it from
// config.Default() with no file.
func TestTheLibrarysDefaultsAreTheGatewaysWhenNeitherIsConfigured(t *testing.T) {
	lib := defaultSettings()
	cfg := config.Default()

	for name, pair := range map[string][2]engine.Profile{
		config.ProfileInteractive: {lib.profile, gateway.Profile(config.ProfileInteractive, cfg.Profiles[config.ProfileInteractive])},
		// The library's batch profile is engine.Batch(), passed with WithProfile.
		config.ProfileBatch: {engine.Batch(), gateway.Profile(config.ProfileBatch, cfg.Profiles[config.ProfileBatch])},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s profile: library %+v, gateway %+v", name, pair[0], pair[1])
		}
	}

	g, err := New(WithAPIKey("sk-test"), WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if l, gw := g.Breakers().Settings(), gateway.NewEngine(cfg, nil, nil, nil).Breakers().Settings(); l != gw {
		t.Errorf("breaker: library %+v, gateway %+v", l, gw)
	}

	if lib.ratio != cfg.RetryBudget.Ratio || lib.minPerSec != float64(cfg.RetryBudget.MinPerSecond) ||
		lib.ratio != budget.DefaultRatio || lib.minPerSec != budget.DefaultMinPerSecond {
		t.Errorf("retry budget: library %v/%v, gateway %+v, budget %v/%v", lib.ratio, lib.minPerSec, cfg.RetryBudget,
			budget.DefaultRatio, budget.DefaultMinPerSecond)
	}
	// The library has no per-user breaker; the gateway's default is the store's.
	if cfg.UserBreaker.Failures != store.DefaultUserFailures || cfg.UserBreaker.Window.Std() != store.DefaultUserWindow ||
		cfg.Cache.TTL.Std() != store.DefaultCacheTTL {
		t.Errorf("user breaker %+v, cache ttl %v: not the store's defaults", cfg.UserBreaker, cfg.Cache.TTL)
	}

	gwChain := slices.DeleteFunc(config.Names(cfg.Chains[config.DefaultChain]), func(t string) bool { return t == config.TierCache })
	if !reflect.DeepEqual(lib.chain, gwChain) || len(gwChain) < 2 {
		t.Errorf("chain: library %v, gateway %v (without its cache tier)", lib.chain, gwChain)
	}
	if m := cfg.Messages; lib.messages != (Messages{Unavailable: m.Unavailable, Timeout: m.Timeout, Notice: m.Notice}) {
		t.Errorf("messages: library %+v, gateway %+v", lib.messages, m)
	}
}

// The library, the gateway and the configuration file hold a chain to one
// set of rules (engine.CheckTiers); the library adds only that it needs a
// model and serves no cache tier.
func TestEveryFaceRejectsTheSameChains(t *testing.T) {
	tests := []struct {
		name  string
		tiers []string
		bad   bool
	}{
		{"models then static", []string{"a", "b", "static"}, false},
		{"a model twice", []string{"a", "a", "static"}, true},
		{"a blank tier", []string{"a", " ", "static"}, true},
		{"a model after static", []string{"a", "static", "b"}, true},
		{"static before cache", []string{"a", "static", "cache"}, true},
	}
	for _, tt := range tests {
		_, libErr := New(WithAPIKey("sk-test"), WithBaseURL("http://127.0.0.1:1"), WithChain(tt.tiers...))
		_, gwErr := gateway.New(gateway.WithChains(map[string][]string{config.DefaultChain: tt.tiers}))
		cfg := config.Default()
		cfg.Chains[config.DefaultChain] = config.Tiers(tt.tiers...)
		cfgErr := cfg.Validate()
		for face, err := range map[string]error{"library": libErr, "gateway": gwErr, "config": cfgErr} {
			if (err != nil) != tt.bad {
				t.Errorf("%s: %s: err = %v, want bad = %v", tt.name, face, err, tt.bad)
			}
		}
	}
}
