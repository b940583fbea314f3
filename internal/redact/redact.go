package redact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Marker replaces every secret found.
const Marker = "[redacted]"

// MinLen is the length of the shortest secret redacted: 8 bytes. A shorter
// one is too likely to occur in ordinary text, where replacing it would
// garble answers; it is ignored.
const MinLen = 8

// maxPasses bounds the passes of one redaction: a secret that contains part
// of Marker can reappear joined with it, so the output is scanned again.
const maxPasses = 4

// Redactor replaces configured secrets with Marker. The zero value and nil
// redact nothing. It is safe for concurrent use.
type Redactor struct {
	set atomic.Pointer[forms]
}

// forms is an immutable set of the byte strings to replace: every secret in
// each of its written forms, longest first.
type forms struct {
	b [][]byte
	s []string
	n []needle // b's search plans, same order
	// min is the length of the shortest form: a shorter text holds none.
	min int
}

// New returns a Redactor of secrets; empty ones and ones shorter than MinLen
// are ignored.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets (the same rules as New). It may be called while
// r is in use: a credential that rotates adds its new value here.
func (r *Redactor) Add(secrets ...string) {
	for {
		old := r.set.Load()
		n := old.with(secrets)
		if n == old || r.set.CompareAndSwap(old, n) {
			return
		}
	}
}

// With returns a new Redactor holding r's secrets now and secrets (a
// request's own credentials, say). Secrets added to r later are not in it.
func (r *Redactor) With(secrets ...string) *Redactor {
	n := &Redactor{}
	n.set.Store(r.load().with(secrets))
	return n
}

// Len returns how many byte strings r looks for (each secret counts once
// per distinct written form).
func (r *Redactor) Len() int {
	if f := r.load(); f != nil {
		return len(f.s)
	}
	return 0
}

func (r *Redactor) load() *forms {
	if r == nil {
		return nil
	}
	return r.set.Load()
}

// with returns f plus the forms of secrets, or f itself when none is new.
func (f *forms) with(secrets []string) *forms {
	var all []string
	if f != nil {
		all = slices.Clone(f.s)
	}
	n := len(all)
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		for _, w := range written(s) {
			if !slices.Contains(all, w) {
				all = append(all, w)
			}
		}
	}
	if len(all) == n {
		return f
	}
	// Longest first: where two forms match at one place, the longer wins.
	slices.SortStableFunc(all, func(a, b string) int { return len(b) - len(a) })
	out := &forms{s: all, b: make([][]byte, len(all)), n: make([]needle, len(all))}
	for i, s := range all {
		out.b[i] = []byte(s)
		out.n[i] = plan(out.b[i])
	}
	out.min = len(all[len(all)-1])
	return out
}

// written returns the forms in which s may be written: as it is, and as
// JSON encoders escape it inside a string (with and without HTML escaping,
// with "/" as "\/").
func written(s string) []string {
	out := []string{s}
	add := func(w string) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	var buf bytes.Buffer
	for _, html := range []bool{true, false} {
		buf.Reset()
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		if enc.Encode(s) != nil {
			continue
		}
		w := strings.TrimSuffix(buf.String(), "\n")
		w = w[1 : len(w)-1] // the quotes
		add(w)
		add(strings.ReplaceAll(w, "/", `\/`))
	}
	return out
}

// Bytes returns b with every secret replaced by Marker; b itself, not a
// copy, when it holds none. Where a match begins just after a backslash that
// escapes its first byte (as in the JSON `\n` before a secret starting with
// "n"), the backslash goes too, so that a JSON string stays valid.
func (r *Redactor) Bytes(b []byte) []byte {
	f := r.load()
	if f == nil || !f.inBytes(b) {
		return b
	}
	for range maxPasses {
		b = f.replace(b)
		if !f.inBytes(b) {
			break
		}
	}
	return b
}

// String is Bytes for a string: s itself when it holds no secret.
func (r *Redactor) String(s string) string {
	f := r.load()
	if f == nil || !f.inString(s) {
		return s
	}
	return string(r.Bytes([]byte(s)))
}

// Contains reports whether s holds a secret.
func (r *Redactor) Contains(s string) bool {
	f := r.load()
	return f != nil && f.inString(s)
}

// Buffer redacts buf's contents in place.
func (r *Redactor) Buffer(buf *bytes.Buffer) {
	b := buf.Bytes()
	out := r.Bytes(b)
	if len(out) == len(b) && (len(b) == 0 || &out[0] == &b[0]) {
		return // unchanged
	}
	buf.Reset()
	buf.Write(out)
}

func (f *forms) inBytes(b []byte) bool {
	if len(b) < f.min {
		return false
	}
	for i := range f.n {
		if f.n[i].index(b, 0) >= 0 {
			return true
		}
	}
	return false
}

func (f *forms) inString(s string) bool {
	// Read only: the bytes of s are searched, never written.
	return f.inBytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// replace makes one pass over b, replacing every match, earliest first and
// the longest form at one place.
func (f *forms) replace(b []byte) []byte {
	out := make([]byte, 0, len(b))
	next := make([]int, len(f.b)) // the next match of each form at or after pos; -1 for none
	for i := range f.n {
		next[i] = f.n[i].index(b, 0)
	}
	pos := 0
	for {
		best := -1
		for i, at := range next {
			if at >= 0 && at < pos { // overlapped by the last match: look again
				at = f.n[i].index(b, pos)
				next[i] = at
			}
			if at >= 0 && (best < 0 || at < next[best]) {
				best = i // forms are longest first, so a tie keeps the longer
			}
		}
		if best < 0 {
			break
		}
		start, end := next[best], next[best]+len(f.b[best])
		// Never cut a JSON escape sequence in two: a match that begins or
		// ends inside one takes the whole of it.
		if s, _, ok := escapeAt(b, start); ok && s < start {
			start = max(s, pos)
		}
		if _, e, ok := escapeAt(b, end-1); ok && e > end {
			end = e
		}
		out = append(out, b[pos:start]...)
		out = append(out, Marker...)
		pos = end
	}
	return append(out, b[pos:]...)
}

// escapeAt returns the JSON escape sequence (`\x` or `\uXXXX`) that covers
// b[i], if one does.
func escapeAt(b []byte, i int) (start, end int, ok bool) {
	for j := i; j >= 0 && j >= i-5; j-- {
		if b[j] != '\\' {
			continue
		}
		if !oddRun(b, j) { // b[j] is the escaped half of `\\`
			j--
		}
		end = j + 2
		if j+1 < len(b) && b[j+1] == 'u' {
			end = j + 6
		}
		return j, min(end, len(b)), i < end
	}
	return 0, 0, false
}

// oddRun reports whether the run of backslashes that ends at b[j] is odd:
// b[j] escapes the byte after it.
func oddRun(b []byte, j int) bool {
	n := 0
	for ; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
