package sse

import (
	"bytes"
	"errors"
	"io"
)

// DefaultMaxEventSize is the largest event a Reader accepts unless told
// otherwise: 1 MiB, raw bytes including field names and line ends.
const DefaultMaxEventSize = 1 << 20

// initialBufSize is the first size of a Reader's buffer: 1 KiB holds every
// event of a typical Messages stream (message_start is the largest, ~0.5
// KiB), and a forwarder holds it for the whole life of an open stream. It
// doubles for a bigger event (up to MaxEventSize).
const initialBufSize = 1 << 10

// ErrEventTooLarge is returned by [Reader.Next] when one event is larger than
// the Reader's MaxEventSize. The stream cannot be read further.
var ErrEventTooLarge = errors.New("sse: event too large")

// Event is one event of a stream. Its slices point into the Reader's buffer
// and are valid only until the next call to Next or Reset: copy what you keep.
type Event struct {
	// Raw is the event exactly as received, from its first line through the
	// blank line that ends it, for forwarding verbatim.
	Raw []byte
	// Name is the value of the event's "event:" field; empty when it has none
	// (the SSE default type "message" is not filled in).
	Name []byte
	// Data is the value of its "data:" field; several data lines are joined
	// with "\n", as the SSE standard says. Empty when it has none.
	Data []byte
}

// Reader reads events from an io.Reader. The zero value is not usable; make
// one with NewReader. A Reader is not safe for concurrent use.
type Reader struct {
	src io.Reader
	buf []byte
	// buf[start:end] holds unread input; an event being parsed begins at start.
	start, end int
	// scan is where line parsing stopped, an offset from start.
	scan int
	// name and data hold the fields of the event being parsed as offsets from
	// start; dataN counts its data lines (beyond one they are joined in joined).
	nameOff, nameLen int
	dataOff, dataLen int
	dataN            int
	hasField         bool
	joined           []byte
	eof              bool
	err              error

	// MaxEventSize bounds one event in bytes; 0 means DefaultMaxEventSize.
	// Set it before the first call to Next.
	MaxEventSize int
}

// NewReader returns a Reader that reads events from src.
func NewReader(src io.Reader) *Reader {
	return &Reader{src: src}
}

// Reset makes r read from src, forgetting its state but keeping its buffer,
// so that a pool of Readers serves many streams.
func (r *Reader) Reset(src io.Reader) {
	buf, joined, maxSize := r.buf, r.joined[:0], r.MaxEventSize
	*r = Reader{src: src, buf: buf, joined: joined, MaxEventSize: maxSize}
}

// BufferSize returns the capacity of r's buffer in bytes (for pools that
// drop Readers whose buffer grew large).
func (r *Reader) BufferSize() int { return cap(r.buf) + cap(r.joined) }

func (r *Reader) maxSize() int {
	if r.MaxEventSize > 0 {
		return r.MaxEventSize
	}
	return DefaultMaxEventSize
}

// Next returns the next event. At the end of input it returns io.EOF when the
// stream ended between events, and io.ErrUnexpectedEOF when it ended inside
// one (the stream was cut). A read error of the source is returned as is;
// ErrEventTooLarge when an event exceeds MaxEventSize. After an error every
// later call returns the same error.
//
// Blank lines between events are skipped (they are not part of any Raw).
// Comment lines (":...") belong to the event they precede; a comment-only
// block is returned as an event with neither Name nor Data.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	for {
		if ev, ok := r.parse(); ok {
			return ev, nil
		}
		if r.err != nil {
			return Event{}, r.err
		}
		if r.eof {
			r.err = io.EOF
			if r.end > r.start {
				r.err = io.ErrUnexpectedEOF
			}
			return Event{}, r.err
		}
		if err := r.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				r.eof = true
				continue
			}
			r.err = err
			return Event{}, err
		}
	}
}

// parse parses lines from start+scan on. It returns an event when one is
// complete; otherwise it keeps its place and reports false.
func (r *Reader) parse() (Event, bool) {
	for {
		pos := r.start + r.scan
		avail := r.buf[pos:r.end]
		i := lineEnd(avail)
		if i < 0 {
			return Event{}, false
		}
		next := pos + i + 1
		if avail[i] == '\r' {
			if next == r.end && !r.eof {
				return Event{}, false // need one more byte: is it "\r\n"?
			}
			if next < r.end && r.buf[next] == '\n' {
				next++
			}
		}
		line := r.buf[pos : pos+i]
		if len(line) == 0 {
			if !r.hasField {
				// A blank line with no event before it: skip it.
				r.start = next
				r.scan = 0
				continue
			}
			if next-r.start > r.maxSize() {
				r.err = ErrEventTooLarge
				return Event{}, false
			}
			ev := r.event(next)
			r.start, r.scan = next, 0
			r.nameLen, r.dataLen, r.dataN, r.hasField = 0, 0, 0, false
			r.nameOff, r.dataOff = 0, 0
			return ev, true
		}
		r.hasField = true
		r.field(line, pos-r.start)
		r.scan = next - r.start
	}
}

// field records a non-blank line at offset off from start.
func (r *Reader) field(line []byte, off int) {
	if line[0] == ':' {
		return // a comment
	}
	name, value := line, []byte(nil)
	vo := len(line)
	if c := bytes.IndexByte(line, ':'); c >= 0 {
		name, value = line[:c], line[c+1:]
		vo = c + 1
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
			vo++
		}
	}
	switch string(name) {
	case "event":
		r.nameOff, r.nameLen = off+vo, len(value)
	case "data":
		r.dataN++
		switch r.dataN {
		case 1:
			r.dataOff, r.dataLen = off+vo, len(value)
		case 2:
			first := r.buf[r.start+r.dataOff : r.start+r.dataOff+r.dataLen]
			r.joined = append(append(append(r.joined[:0], first...), '\n'), value...)
		default:
			r.joined = append(append(r.joined, '\n'), value...)
		}
	}
}

// event builds the Event that ends just before end.
func (r *Reader) event(end int) Event {
	base := r.start
	ev := Event{Raw: r.buf[base:end:end]}
	if r.nameLen > 0 {
		ev.Name = r.buf[base+r.nameOff : base+r.nameOff+r.nameLen : base+r.nameOff+r.nameLen]
	}
	switch {
	case r.dataN == 1 && r.dataLen > 0:
		ev.Data = r.buf[base+r.dataOff : base+r.dataOff+r.dataLen : base+r.dataOff+r.dataLen]
	case r.dataN > 1:
		ev.Data = r.joined
	}
	return ev
}

// fill reads more input, first moving the event being parsed to the front of
// the buffer or growing the buffer when it is full. The buffer never grows
// past MaxEventSize+1 bytes: an incomplete event that fills it is too large.
func (r *Reader) fill() error {
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	limit := r.maxSize()
	if r.end == len(r.buf) {
		if r.end > limit {
			return ErrEventTooLarge
		}
		size := min(max(2*len(r.buf), initialBufSize), limit+1)
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// lineEnd returns the index of the first '\r' or '\n' in b, or -1. Two
// vectorised byte searches beat one search for a set of bytes.
func lineEnd(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	window := b
	if i >= 0 {
		window = b[:i]
	}
	if j := bytes.IndexByte(window, '\r'); j >= 0 {
		return j
	}
	return i
}

// Ready reports whether a whole event is already buffered, so that the next
// call to Next returns it without reading. A forwarder uses it to flush once
// per burst of events that arrived together instead of once per event: it
// never reports true when Next would wait for input (it may report false for
// an event it could return, which only costs a flush).
func (r *Reader) Ready() bool {
	if r.err != nil {
		return false
	}
	b := bytes.TrimLeft(r.buf[r.start:r.end], "\r\n")
	return len(b) > 0 && (bytes.Contains(b, lfLF) || bytes.Contains(b, crlfCRLF))
}

var lfLF, crlfCRLF = []byte("\n\n"), []byte("\r\n\r\n")
