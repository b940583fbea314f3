// Package taxonomy is bulwark's error decision table (DESIGN §2) as pure
// functions: [Classify] turns what one upstream attempt saw into a [Decision]
// (retry the same model? try the next tier? count against the model's breaker
// or the user's? page someone?), and [RetryAfter] reads the server's wait.
//
// [ErrorType] and [StatusOf] are the API's one table of HTTP statuses and
// error.type values, read by both faces: an SSE error event is classified as
// the status its type stands for, and the gateway answers such an event with
// that status. (The simulator keeps its own copy on purpose: it plays the API.)
//
// Nothing here does I/O or reads the clock: the current time is a parameter.
package taxonomy
