// Package watch holds the commit watcher of a streamed attempt (DESIGN §5),
// the one both faces use: the library's Guard.Stream and the gateway's
// streamed and passthrough calls.
//
// A [Watcher] bounds the wait for an attempt's commit point with one timer on
// the injected clock (no goroutine of its own): from the attempt's start to
// its commit point by the first-token bound ([FirstTokenBound]), and after the
// commit each wait for the next event by the idle timeout. When a bound
// passes it calls the attempt's cancel func and remembers which bound it was
// ([FirstToken] or [Stall]). What commits is not its decision: the caller
// asks sse.CommitPoint (a stream) or takes the 2xx response headers (a
// passthrough) and calls [Watcher.Commit].
//
// One meaning per setting: a first-token timeout or an idle timeout of 0 sets
// no bound (the attempt timeout still bounds the wait for the commit point).
package watch
