// Package shared holds the end-to-end tests of bulwark's shared state
// (DESIGN §6): real `bulwark serve` processes, one simulator and, where the
// state is shared, a real redis-server started by internal/redistest.
//
// The tests cover the per-user breaker (cut-off without upstream calls, lifted
// when its window passes), model breakers and user cut-offs converging across
// two replicas through Redis, replicas that keep serving while Redis is down
// (killed mid-run, or down at start) and recover by themselves, and the cache
// tier answering when every model is down, across replicas.
//
// The benchmarks compare the gateway's success path with the memory store and
// with the Redis store (see BENCHMARKS.md, "Shared state: Redis vs memory"):
//
//	go test -run '^$' -bench RedisVsMemory -benchtime 20000x -count 6 ./e2e/shared/
//
// The package has no code of its own: everything is in its _test.go files.
package shared
