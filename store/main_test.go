package store

import (
	"testing"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
