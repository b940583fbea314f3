package redisstore_test

import (
	"context"
	"log"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/store/redisstore"
)

// A gateway replica picks the store from its config and wires its breaker
// registry to it, so that breaker opens and cooldowns reach the other replicas
// and theirs reach it.
func ExampleNew() {
	ctx := context.Background()
	redisURL := "redis://127.0.0.1:6379/0" // config key redis; "" for one process
	local := store.NewMemory(store.WithUserLimit(5, time.Minute), store.WithCacheTTL(10*time.Minute))

	var st store.Shared = local
	if redisURL != "" {
		rs, err := redisstore.New(ctx, redisURL, local, redisstore.WithOpenFor(30*time.Second))
		if err != nil {
			log.Fatal(err) // a malformed URL; Redis being down is not an error
		}
		st = rs
	}
	defer st.Close()

	reg := breaker.New(breaker.Settings{},
		breaker.WithOnChange(st.BreakerChanged),
		breaker.WithOnCooldown(st.CooldownStarted),
	)
	st.Attach(reg)

	if ok, retryAfter := st.UserAllowed("user-42"); !ok {
		log.Printf("user-42 cut off for %v", retryAfter)
	}
}
