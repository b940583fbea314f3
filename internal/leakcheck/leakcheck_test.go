package leakcheck_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
)

func TestCheckFailsPassingTestsThatLeftAGoroutine(t *testing.T) {
	release, ended := make(chan struct{}), make(chan struct{})
	go func() { <-release; close(ended) }()
	got := leakcheck.Check(0)
	close(release)
	<-ended
	if got != 1 {
		t.Fatalf("Check(0) with a goroutine left = %d, want 1", got)
	}
	if got := leakcheck.Check(0); got != 0 {
		t.Fatalf("Check(0) with none left = %d, want 0", got)
	}
}

func TestCheckKeepsTheCodeOfFailedTests(t *testing.T) {
	if got := leakcheck.Check(3); got != 3 {
		t.Fatalf("Check(3) = %d", got)
	}
}
