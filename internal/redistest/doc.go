// Package redistest runs a real redis-server for tests: one private server per
// test, on a free loopback port, in the test's temp directory, with no
// persistence. It can kill, restart (on the same port), freeze and thaw the
// server, for tests of how code behaves when Redis fails.
//
//	srv := redistest.Start(t) // skips the test when redis-server is missing
//	st, _ := redisstore.New(ctx, srv.URL, ...)
//	srv.Kill()    // Redis dies
//	srv.Restart() // and comes back, empty, at the same address
//
// redis-server comes from Debian's redis-server package
// (`apt-get install -y redis-server`; .ci/run installs it).
package redistest
