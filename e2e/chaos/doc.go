// Package chaos holds the gateway's reliability and security tests, run
// against real processes (bulwark serve in front of bulwark sim) and, where a
// test needs to see inside (goroutines, connections, server timeouts),
// against an in-process gateway and simulator on loopback:
//
//   - every fault of the simulator alone, then all mixed with a fixed seed:
//     each request gets exactly one well-formed answer within its deadline,
//     no retry comes before a retry-after, none follows a 400;
//   - bad input (malformed bodies, slow or huge headers, hang-ups) gets a
//     clear error or a clean close and leaves the gateway healthy;
//   - a thousand cancelled streams leave no goroutine and no upstream
//     connection behind;
//   - neither the upstream key nor a client key ever appears in a log line,
//     a metric, a status page or an answer, and upstream error text never
//     reaches /v1/agent.
//
// The package has no code of its own; see the _test.go files.
package chaos
