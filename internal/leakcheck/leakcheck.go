// Package leakcheck fails a package's tests when a goroutine outlives them.
package leakcheck

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Main runs the tests, then fails them if any goroutine is left (goleak). The
// default client's idle keep-alive connections are closed first: they are
// the test client's, not the code's under test. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Check(m.Run())) }

// Check is [Main]'s check after the tests, for a TestMain that runs them
// itself: given their exit code, it returns 1 if they passed but left a
// goroutine (told on stderr), else the code.
func Check(code int) int {
	http.DefaultClient.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}
