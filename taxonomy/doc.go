// Package taxonomy is bulwark's error decision table (DESIGN §2) as pure
// functions: [Classify] turns what one upstream attempt saw into a [Decision]
// (retry the same model? try the next tier? count against the model's breaker
// or the user's? page someone?), and [RetryAfter] reads the server's wait.
//
// Nothing here does I/O or reads the clock: the current time is a parameter.
package taxonomy
