package sse_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bulwarkhq/bulwark/sse"
)

type got struct{ raw, name, data string }

func readAll(t *testing.T, r *sse.Reader) ([]got, error) {
	t.Helper()
	var out []got
	for {
		ev, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, got{string(ev.Raw), string(ev.Name), string(ev.Data)})
	}
}

func TestReaderParsesEvents(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []got
		err  error
	}{
		{"anthropic event", "event: ping\ndata: {\"type\": \"ping\"}\n\n",
			[]got{{"event: ping\ndata: {\"type\": \"ping\"}\n\n", "ping", `{"type": "ping"}`}}, io.EOF},
		{"two events", "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n",
			[]got{{"event: a\ndata: 1\n\n", "a", "1"}, {"event: b\ndata: 2\n\n", "b", "2"}}, io.EOF},
		{"crlf line ends", "event: a\r\ndata: 1\r\n\r\n",
			[]got{{"event: a\r\ndata: 1\r\n\r\n", "a", "1"}}, io.EOF},
		{"cr line ends", "event: a\rdata: 1\r\r",
			[]got{{"event: a\rdata: 1\r\r", "a", "1"}}, io.EOF},
		{"no space after colon", "event:a\ndata:1\n\n", []got{{"event:a\ndata:1\n\n", "a", "1"}}, io.EOF},
		{"only one leading space is stripped", "data:  x\n\n", []got{{"data:  x\n\n", "", " x"}}, io.EOF},
		{"multi-line data joined", "data: a\ndata: b\ndata: c\n\n", []got{{"data: a\ndata: b\ndata: c\n\n", "", "a\nb\nc"}}, io.EOF},
		{"comment kept in raw", ": hi\nevent: a\ndata: 1\n\n", []got{{": hi\nevent: a\ndata: 1\n\n", "a", "1"}}, io.EOF},
		{"comment-only block", ": keepalive\n\n", []got{{": keepalive\n\n", "", ""}}, io.EOF},
		{"leading blank lines skipped", "\n\n\r\nevent: a\ndata: 1\n\n", []got{{"event: a\ndata: 1\n\n", "a", "1"}}, io.EOF},
		{"field without colon", "data\n\n", []got{{"data\n\n", "", ""}}, io.EOF},
		{"unknown fields ignored", "id: 7\nretry: 10\nevent: a\n\n", []got{{"id: 7\nretry: 10\nevent: a\n\n", "a", ""}}, io.EOF},
		{"empty input", "", nil, io.EOF},
		{"cut inside an event", "event: a\ndata: 1\n\nevent: b\ndata: {\"x", []got{{"event: a\ndata: 1\n\n", "a", "1"}}, io.ErrUnexpectedEOF},
		{"cut before the blank line", "event: a\ndata: 1\n", nil, io.ErrUnexpectedEOF},
		{"trailing cr at eof ends the event", "data: 1\r\r", []got{{"data: 1\r\r", "", "1"}}, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "one byte", "half"} {
				var src io.Reader = strings.NewReader(tt.in)
				switch mode {
				case "one byte":
					src = iotest.OneByteReader(src)
				case "half":
					src = iotest.HalfReader(src)
				}
				evs, err := readAll(t, sse.NewReader(src))
				if !errors.Is(err, tt.err) {
					t.Fatalf("%s: err = %v, want %v", mode, err, tt.err)
				}
				if len(evs) != len(tt.want) {
					t.Fatalf("%s: got %d events %q, want %d", mode, len(evs), evs, len(tt.want))
				}
				for i := range evs {
					if evs[i] != tt.want[i] {
						t.Errorf("%s: event %d = %q, want %q", mode, i, evs[i], tt.want[i])
					}
				}
			}
		})
	}
}

func TestReaderRejectsAnEventOverTheLimit(t *testing.T) {
	big := "data: " + strings.Repeat("x", 100) + "\n\n"
	r := sse.NewReader(strings.NewReader("event: a\ndata: 1\n\n" + big))
	r.MaxEventSize = 64
	if ev, err := r.Next(); err != nil || string(ev.Name) != "a" {
		t.Fatalf("first event: %q, %v", ev.Name, err)
	}
	if _, err := r.Next(); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
	if _, err := r.Next(); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("second call: err = %v, want the same error", err)
	}
}

func TestReaderAcceptsAnEventOfExactlyTheLimit(t *testing.T) {
	ev := "data: " + strings.Repeat("x", 56) + "\n\n" // 64 bytes
	for _, src := range []io.Reader{strings.NewReader(ev + ev), iotest.OneByteReader(strings.NewReader(ev + ev))} {
		r := sse.NewReader(src)
		r.MaxEventSize = len(ev)
		for i := range 2 {
			if _, err := r.Next(); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("err = %v, want EOF", err)
		}
	}
}

func TestReaderUnboundedStreamWithoutBlankLineFails(t *testing.T) {
	// A peer that never ends an event must not make the Reader grow forever.
	src := io.MultiReader(strings.NewReader("data: "), neverEnding('x'))
	r := sse.NewReader(src)
	r.MaxEventSize = 1 << 16
	if _, err := r.Next(); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
	if r.BufferSize() > 1<<16+1 {
		t.Fatalf("buffer grew to %d bytes", r.BufferSize())
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestReaderMemoryDoesNotGrowWithTheStream(t *testing.T) {
	ev := "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hello\"}}\n\n"
	r := sse.NewReader(strings.NewReader(strings.Repeat(ev, 10000)))
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		n++
	}
	if n != 10000 {
		t.Fatalf("read %d events", n)
	}
	if r.BufferSize() > 8<<10 {
		t.Fatalf("buffer is %d bytes after a long stream", r.BufferSize())
	}
}

func TestReaderHoldsOneKiBForAStreamOfSmallEventsAndGrowsForABigOne(t *testing.T) {
	// An open stream waits most of its life for its next event with this
	// buffer held (DESIGN §12: 32 KiB per open stream in all), so it starts
	// small and grows only for an event that needs it.
	small := "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hi\"}}\n\n"
	big := "event: message_start\ndata: {\"text\":\"" + strings.Repeat("x", 5000) + "\"}\n\n"
	r := sse.NewReader(strings.NewReader(strings.Repeat(small, 50) + big + small))
	for range 50 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.BufferSize(); n > 1<<10 {
		t.Errorf("buffer %d bytes for small events, want at most 1 KiB", n)
	}
	ev, err := r.Next()
	if err != nil || string(ev.Raw) != big {
		t.Fatalf("big event: %v, %d bytes", err, len(ev.Raw))
	}
	if n := r.BufferSize(); n < len(big) || n > 16<<10 {
		t.Errorf("buffer %d bytes after a %d-byte event", n, len(big))
	}
	if ev, err := r.Next(); err != nil || string(ev.Raw) != small {
		t.Fatalf("after the big event: %q %v", ev.Raw, err)
	}
}

func TestReaderReturnsSourceErrors(t *testing.T) {
	boom := errors.New("boom")
	r := sse.NewReader(io.MultiReader(strings.NewReader("event: a\ndata: 1\n\nevent: b\n"), iotest.ErrReader(boom)))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestReaderResetReusesTheBuffer(t *testing.T) {
	r := sse.NewReader(strings.NewReader("event: a\ndata: 1\n\n"))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	size := r.BufferSize()
	r.Reset(strings.NewReader("event: b\ndata: 2\n\n"))
	ev, err := r.Next()
	if err != nil || string(ev.Name) != "b" || string(ev.Data) != "2" {
		t.Fatalf("after Reset: %q %q %v", ev.Name, ev.Data, err)
	}
	if r.BufferSize() != size {
		t.Fatalf("buffer changed from %d to %d", size, r.BufferSize())
	}
}

func TestReaderNextAllocatesNothing(t *testing.T) {
	ev := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n")
	src := bytes.NewReader(nil)
	r := sse.NewReader(src)
	stream := bytes.Repeat(ev, 64)
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(stream)
		r.Reset(src)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per stream of 64 events", allocs)
	}
}

func TestReadyTellsWhetherTheNextEventIsAlreadyHere(t *testing.T) {
	pr, pw := io.Pipe()
	r := sse.NewReader(pr)
	go func() {
		pw.Write([]byte("event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\nda"))
		pw.Write([]byte("ta: 3\n\n"))
		pw.Close()
	}()
	var got []string
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, string(ev.Name)+fmt.Sprint(r.Ready()))
	}
	// After a: b is buffered. After b: only part of c, so Next would wait.
	if want := []string{"atrue", "bfalse", "cfalse"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
