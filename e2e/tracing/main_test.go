package tracing_test

import (
	"os"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/proctest"
)

// binary is the bulwark command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	code := proctest.RunTests(m, &binary)
	stopReceiver()
	os.Exit(code)
}
