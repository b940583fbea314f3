package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"150ms", 150 * time.Millisecond, ""},
		{"2s", 2 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{"10m", 10 * time.Minute, ""},
		{" 1h ", time.Hour, ""},
		{"-5s", -5 * time.Second, ""}, // parsed; Validate rejects negatives
		{"0", 0, ""},
		{"0.0", 0, ""},
		{"0s", 0, ""},
		{"5", 0, `duration "5" has no unit; write a Go duration such as "5s" or "5ms"`},
		{"2.5", 0, "has no unit"},
		{"-3", 0, "has no unit"},
		{"5x", 0, `invalid duration "5x"`},
		{"s", 0, "invalid duration"},
		{"", 0, "empty duration"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDuration(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Std() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDurationStringDropsZeroUnits(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{150 * time.Millisecond, "150ms"},
		{25 * time.Second, "25s"},
		{time.Minute, "1m"},
		{10 * time.Minute, "10m"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{time.Hour + time.Minute, "1h1m"},
		{time.Hour + time.Second, "1h0m1s"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d).String(); got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.d, got, tt.want)
		}
		back, err := ParseDuration(Duration(tt.d).String())
		if err != nil || back.Std() != tt.d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", Duration(tt.d).String(), back, err, tt.d)
		}
	}
}

func TestDurationYAML(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d"`
	}
	tests := []struct {
		src     string
		want    time.Duration
		wantErr string
	}{
		{"d: 2s\n", 2 * time.Second, ""},
		{"d: \"150ms\"\n", 150 * time.Millisecond, ""},
		{"d: 0\n", 0, ""},
		{"d:\n", 7, ""}, // null keeps the value
		{"d: 5\n", 0, "[1:4] duration \"5\" has no unit"},
		{"d: 1.5\n", 0, "has no unit"},
		{"d: soon\n", 0, "invalid duration \"soon\""},
		{"d: [1s]\n", 0, "got a list"},
		{"d: {a: 1}\n", 0, "got a mapping"},
	}
	for _, tt := range tests {
		v := doc{D: 7}
		err := yaml.Unmarshal([]byte(tt.src), &v)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error = %v, want one containing %q", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil || v.D.Std() != tt.want {
			t.Errorf("%q: D = %v, %v; want %v", tt.src, v.D, err, tt.want)
		}
	}
	out, err := yaml.Marshal(doc{D: Duration(10 * time.Minute)})
	if err != nil || string(out) != "d: 10m\n" {
		t.Errorf("yaml.Marshal = %q, %v; want %q", out, err, "d: 10m\n")
	}
}

func TestDurationJSON(t *testing.T) {
	type doc struct {
		D Duration `json:"d"`
	}
	tests := []struct {
		src     string
		want    time.Duration
		wantErr string
	}{
		{`{"d":"2s"}`, 2 * time.Second, ""},
		{`{"d":"1m30s"}`, 90 * time.Second, ""},
		{`{"d":0}`, 0, ""},
		{`{"d":null}`, 7, ""},
		{`{"d":5}`, 0, "has no unit"},
		{`{"d":"5"}`, 0, "has no unit"},
		{`{"d":"later"}`, 0, "invalid duration"},
		{`{"d":true}`, 0, "invalid duration"},
	}
	for _, tt := range tests {
		v := doc{D: 7}
		err := json.Unmarshal([]byte(tt.src), &v)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error = %v, want one containing %q", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil || v.D.Std() != tt.want {
			t.Errorf("%s: D = %v, %v; want %v", tt.src, v.D, err, tt.want)
		}
	}
	out, err := json.Marshal(doc{D: Duration(150 * time.Millisecond)})
	if err != nil || string(out) != `{"d":"150ms"}` {
		t.Errorf("json.Marshal = %s, %v", out, err)
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("3s")); err != nil || d.Std() != 3*time.Second {
		t.Fatalf("UnmarshalText(3s) = %v, %v", d, err)
	}
	if err := d.UnmarshalText([]byte("3")); err == nil {
		t.Fatal("UnmarshalText(3) accepted a number without a unit")
	}
	if b, _ := Duration(time.Minute).MarshalText(); string(b) != "1m" {
		t.Fatalf("MarshalText = %q, want 1m", b)
	}
}
