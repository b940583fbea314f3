package lru

import (
	"fmt"
	"slices"
	"testing"
)

// keys returns the keys most recently used first.
func keys[V any](t *Table[V]) []string {
	var out []string
	t.Each(func(k string, _ V) bool { out = append(out, k); return true })
	return out
}

func TestTableEvictsLeastRecentlyUsedPastItsEntryBound(t *testing.T) {
	tb := New[int](3, 1<<20)
	for i, k := range []string{"a", "b", "c"} {
		tb.Put(k, i, 1, Never)
	}
	if _, ok := tb.Get("a", 0); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	tb.Put("d", 3, 1, Never)
	if got, want := keys(tb), []string{"d", "a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("keys = %v, want %v (b was the least recently used)", got, want)
	}
}

func TestTableEvictsUntilWithinItsByteBound(t *testing.T) {
	tb := New[string](100, 10)
	tb.Put("a", "", 4, Never)
	tb.Put("b", "", 4, Never)
	tb.Put("c", "", 7, Never) // 15 bytes: a and b must go
	if got := keys(tb); !slices.Equal(got, []string{"c"}) || tb.Bytes() != 7 {
		t.Fatalf("keys = %v, bytes = %d; want [c], 7", got, tb.Bytes())
	}
}

func TestTableRefusesAnEntryLargerThanItsByteBound(t *testing.T) {
	tb := New[string](100, 10)
	tb.Put("a", "old", 2, Never)
	if tb.Put("a", "new", 11, Never) {
		t.Fatal("Put of 11 bytes into a 10-byte table reported true")
	}
	if _, ok := tb.Get("a", 0); ok || tb.Len() != 0 || tb.Bytes() != 0 {
		t.Fatalf("the older entry survived: len %d, bytes %d", tb.Len(), tb.Bytes())
	}
}

func TestTableReplacesInPlaceAndRecountsBytes(t *testing.T) {
	tb := New[string](2, 100)
	tb.Put("a", "1", 10, Never)
	tb.Put("b", "2", 10, Never)
	tb.Put("a", "3", 30, Never)
	if v, _ := tb.Get("a", 0); v != "3" || tb.Len() != 2 || tb.Bytes() != 40 {
		t.Fatalf("a = %q, len %d, bytes %d; want 3, 2, 40", v, tb.Len(), tb.Bytes())
	}
	if got := keys(tb); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("keys = %v", got)
	}
}

func TestTableForgetsAnEntryOnceItExpired(t *testing.T) {
	tb := New[int](10, 100)
	tb.Put("a", 1, 1, 100)
	if _, ok := tb.Get("a", 99); !ok {
		t.Fatal("a gone before it expired")
	}
	if _, ok := tb.Get("a", 100); ok || tb.Len() != 0 {
		t.Fatal("a served at its expiry")
	}
}

func TestTableExpireStopsAtTheFirstLiveEntryFromTheOldEnd(t *testing.T) {
	tb := New[int](10, 100)
	for i := range 5 {
		tb.Put(fmt.Sprint(i), i, 1, int64(10*(i+1))) // 0 expires at 10, ..., 4 at 50
	}
	if n := tb.Expire(30); n != 3 {
		t.Fatalf("Expire(30) removed %d, want 3", n)
	}
	if got := keys(tb); !slices.Equal(got, []string{"4", "3"}) || tb.Bytes() != 2 {
		t.Fatalf("keys = %v, bytes %d", got, tb.Bytes())
	}
	tb.Delete("4")
	tb.Delete("nope")
	if got := keys(tb); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("keys = %v after Delete", got)
	}
}

func TestTableOfOneStillWorks(t *testing.T) {
	tb := New[int](0, 0) // bounds below 1 count as 1
	tb.Put("a", 1, 1, Never)
	tb.Put("b", 2, 1, Never)
	if got := keys(tb); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("keys = %v", got)
	}
}

func BenchmarkTableGetPut(b *testing.B) {
	tb := New[int](1024, 1<<30)
	ks := make([]string, 4096)
	for i := range ks {
		ks[i] = fmt.Sprint("model-", i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := ks[i%len(ks)]
		if _, ok := tb.Get(k, 0); !ok {
			tb.Put(k, i, 1, Never)
		}
	}
}
