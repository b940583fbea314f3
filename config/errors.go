package config

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem in a configuration, with where it is. Parse, Load and
// Validate return an *Error, or several joined with [errors.Join] (one per
// line of the message); use [errors.As] to read the fields.
type Error struct {
	// File is the file name given to [Load]; "" for [Parse] and [Config.Validate].
	File string
	// Line is the 1-based line of the file the problem is on; 0 when it is on
	// no line (a default value, or Validate without a file).
	Line int
	// Key is the path of the key at fault, e.g. "profiles.interactive.attempts"
	// or "clients[0].key_env"; "" when the problem is the whole file.
	Key string
	// Msg says what is wrong, e.g. "must be at least 1".
	Msg string

	keyInMsg bool // Msg already names Key (unknown key)
}

// Error formats the problem as "file:line: key: message", leaving out the
// parts that are not known ("line 7: ..." without a file name).
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" && !e.keyInMsg {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// flatten returns the *Error values in err, which is one *Error or a join of
// them; nil for nil.
func flatten(err error) []*Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var ce *Error
	if errors.As(err, &ce) {
		return []*Error{ce}
	}
	return []*Error{{Msg: err.Error()}}
}

// join turns problems back into one error: the *Error itself when there is
// one, an errors.Join otherwise, nil when there is none.
func join(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
