package chaos

import (
	"os"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
	"github.com/bulwarkhq/bulwark/internal/proctest"
)

// binary is the bulwark command, built once by TestMain.
var binary string

// TestMain builds the binary; the in-process gateways and simulators must
// leave nothing behind.
func TestMain(m *testing.M) { os.Exit(leakcheck.Check(proctest.RunTests(m, &binary))) }
