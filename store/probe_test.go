package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/store"
)

func TestMemoryGrantsEveryProbeSlot(t *testing.T) {
	m := store.NewMemory()
	for range 2 {
		if !m.ProbeSlot(context.Background(), "claude-sonnet-5-5", time.Second) {
			t.Fatal("one process has no peers to leave the probe to")
		}
	}
}
