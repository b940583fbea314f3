package store_test

import (
	"context"
	"fmt"

	"github.com/bulwarkhq/bulwark/store"
)

// The gateway checks the user before each request and reports the failures the
// request caused; the 5th within a minute cuts the user off.
func ExampleMemory() {
	st := store.NewMemory() // 5 failures in 60 s; cache 10 min, 10k entries, 64 MiB
	defer st.Close()
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		st.UserFailed(ctx, "user-42")
	}
	ok, retryAfter := st.UserAllowed("user-42")
	fmt.Println(ok, retryAfter.Round(1e9))
	ok, _ = st.UserAllowed("user-7")
	fmt.Println(ok)
	// Output:
	// false 1m0s
	// true
}
