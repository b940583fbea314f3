package redisstore

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/store"
)

func TestEntryRoundTrips(t *testing.T) {
	for _, e := range []store.Entry{
		{Model: "claude-haiku-5-5", Body: []byte(`{"type":"message"}`), StoredAt: time.Unix(1_800_000_000, 123)},
		{StoredAt: time.Unix(0, 1)},
		{Model: "m", Body: make([]byte, 70_000), StoredAt: time.Unix(-5, 0)},
	} {
		got, err := decodeEntry(encodeEntry(e))
		if err != nil {
			t.Fatal(err)
		}
		if got.Model != e.Model || string(got.Body) != string(e.Body) || !got.StoredAt.Equal(e.StoredAt) {
			t.Fatalf("round trip of %q: got %q at %v", e.Model, got.Model, got.StoredAt)
		}
	}
}

func TestMalformedEntriesAreRejected(t *testing.T) {
	good := encodeEntry(store.Entry{Model: "model", Body: []byte("b"), StoredAt: time.Unix(1, 0)})
	for name, b := range map[string][]byte{
		"empty":         nil,
		"wrong version": append([]byte{9}, good[1:]...),
		"model cut":     good[:4],
		"time missing":  good[:1+1+5],
	} {
		if _, err := decodeEntry(b); !errors.Is(err, errBadEntry) {
			t.Errorf("%s: err = %v, want errBadEntry", name, err)
		}
	}
}

func TestEventsRoundTripAndBadOnesAreRejected(t *testing.T) {
	e := event{Src: "a1", Kind: kindBreaker, Key: "claude-sonnet-5-5", Until: 1_800_000_000_000}
	got, err := decodeEvent(encodeEvent(e))
	if err != nil || got != e {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, s := range []string{
		``, `{`, `[]`,
		`{"src":"a","kind":"other","key":"k","until":1}`,
		`{"src":"a","kind":"user","key":"","until":1}`,
		`{"src":"","kind":"user","key":"k","until":1}`,
	} {
		if _, err := decodeEvent(s); !errors.Is(err, errBadEvent) {
			t.Errorf("decodeEvent(%q) err = %v, want errBadEvent", s, err)
		}
	}
}
