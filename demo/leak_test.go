package demo_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
)

// TestMain fails the package's tests when any goroutine outlives them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
