// Package clock lets bulwark's timing logic read the time and wait through an
// interface, so that tests can drive time by hand instead of sleeping.
//
// Production code uses [Real]; tests use [Fake], whose timers fire only when the
// test calls [Fake.Advance].
package clock
