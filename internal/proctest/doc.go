// Package proctest runs the bulwark binary as real processes in tests: it
// builds cmd/bulwark once, starts `bulwark sim` or `bulwark serve`, waits for
// the "listening on http://HOST:PORT" line, keeps stderr and the later stdout
// lines, and kills the process when the test ends; Exit runs one to its exit
// code. A TestMain that also wants the leak check runs
// os.Exit(leakcheck.Check(proctest.RunTests(m, &bin))).
package proctest
