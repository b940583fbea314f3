package sse_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/bulwarkhq/bulwark/sse"
)

// reference parses a whole input the slow, obvious way: split into lines,
// then group lines into events at blank lines.
func reference(in []byte, limit int) ([]got, error) {
	var out []got
	evStart := 0
	var name, data []byte
	dataN, hasField := 0, false
	for pos := 0; pos < len(in); {
		i := bytes.IndexAny(in[pos:], "\r\n")
		if i < 0 {
			break // a partial line at EOF
		}
		next := pos + i + 1
		if in[pos+i] == '\r' && next < len(in) && in[next] == '\n' {
			next++
		}
		line := in[pos : pos+i]
		pos = next
		if len(line) == 0 {
			if !hasField {
				evStart = next
				continue
			}
			if next-evStart > limit {
				return out, sse.ErrEventTooLarge
			}
			out = append(out, got{string(in[evStart:next]), string(name), string(data)})
			evStart, name, data, dataN, hasField = next, nil, nil, 0, false
			continue
		}
		hasField = true
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if c := bytes.IndexByte(line, ':'); c >= 0 {
			field, value = line[:c], line[c+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "event":
			name = value
		case "data":
			dataN++
			if dataN == 1 {
				data = value
			} else {
				data = append(append(append([]byte(nil), data...), '\n'), value...)
			}
		}
	}
	if len(in)-evStart > limit {
		return out, sse.ErrEventTooLarge
	}
	if evStart < len(in) {
		return out, io.ErrUnexpectedEOF
	}
	return out, io.EOF
}

// chunked returns its data in pieces of the given sizes, cycling.
type chunked struct {
	data  []byte
	sizes []byte
	i     int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.sizes) > 0 {
		n = int(c.sizes[c.i%len(c.sizes)])%17 + 1
		c.i++
	}
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
		"event: ping\r\ndata: {}\r\n\r\nevent: a\rdata: 1\r\r",
		"data: a\ndata: b\n\n: comment\n\n\n\nevent: x\n",
		"data: 1\r",
		"data: 1\r\r\n",
		"\r\n\r\n\n",
		"event:error\ndata:{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n",
		"data: " + string(bytes.Repeat([]byte("y"), 70)) + "\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), []byte{1, 5, 16})
		f.Add([]byte(s), []byte(nil))
	}
	const limit = 64
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		want, wantErr := reference(in, limit)
		r := sse.NewReader(&chunked{data: in, sizes: sizes})
		r.MaxEventSize = limit
		var evs []got
		var err error
		for {
			var ev sse.Event
			ev, err = r.Next()
			if err != nil {
				break
			}
			evs = append(evs, got{string(ev.Raw), string(ev.Name), string(ev.Data)})
		}
		if !errors.Is(err, wantErr) {
			t.Fatalf("err = %v, want %v (events %q)", err, wantErr, evs)
		}
		if len(evs) != len(want) {
			t.Fatalf("got %d events %q, want %d %q", len(evs), evs, len(want), want)
		}
		for i := range evs {
			if evs[i] != want[i] {
				t.Fatalf("event %d = %q, want %q", i, evs[i], want[i])
			}
		}
		if r.BufferSize() > 2*(limit+1)+len(in) {
			t.Fatalf("buffer %d bytes for a limit of %d", r.BufferSize(), limit)
		}
	})
}
