package store

import (
	"testing"
	"time"
)

func TestFailureWindow(t *testing.T) {
	s := int64(time.Second)
	tests := []struct {
		name  string
		limit int
		at    []int64 // failure times, seconds
		trips []bool  // verdict after each
	}{
		{"trips on the limit-th failure within the window", 3, []int64{0, 1, 2}, []bool{false, false, true}},
		{"does not trip when the oldest has aged out", 3, []int64{0, 30, 60}, []bool{false, false, false}},
		{"slides: the last limit failures count", 3, []int64{0, 30, 60, 61}, []bool{false, false, false, true}},
		{"starts afresh after a trip", 2, []int64{0, 1, 2, 3}, []bool{false, true, false, true}},
		{"limit 1 trips at once", 1, []int64{0}, []bool{true}},
		{"exactly window apart does not trip", 2, []int64{0, 60}, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newFailureWindow(tt.limit)
			for i, at := range tt.at {
				if got := w.record(at*s, 60*s); got != tt.trips[i] {
					t.Fatalf("failure %d at %ds: trip = %v, want %v", i+1, at, got, tt.trips[i])
				}
			}
		})
	}
}
