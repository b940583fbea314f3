// Package catalog is what bulwark knows about Claude models themselves, apart
// from any configuration: when a model reaches end-of-life and what replaces
// it ([Lifecycle], [Warnings]), what its tokens cost ([Prices]), and how
// many tokens its context window holds ([ContextWindow]).
//
// The tables are data compiled into the binary, with the source of every
// entry noted beside it. Nothing here does I/O or reads the clock: the current
// time is a parameter. A model the tables do not know is reported as unknown
// (ok == false, known == false), never as a silent zero.
package catalog
