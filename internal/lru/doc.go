// Package lru is the bounded table behind every table bulwark keys by
// something a client sends (DESIGN §4, §6): unconfigured models' breakers,
// users' failure windows, cached answers. A [Table] holds at most a number of
// entries and of bytes (each entry's size is the caller's estimate), evicts
// the least recently used entry first to stay within both, and forgets an
// entry once its expiry has passed (at the next call that looks at it, or
// by [Table.Expire] from the least recently used end).
//
// A Table is not safe for concurrent use: its owner holds a lock around it.
// It reads no clock: times are int64 nanoseconds on whatever scale the owner
// counts in (unix ns, or ns since a base).
package lru
