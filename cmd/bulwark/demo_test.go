package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDemoCommandPrintsTheTableAndWritesTheReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	report := filepath.Join(t.TempDir(), "demo.html")
	var out, errs strings.Builder
	begin := time.Now()
	code := run(context.Background(), []string{"demo", "--duration", "2s", "--rps", "20", "--seed", "3", "--report", report}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s\nstdout:\n%s", code, errs.String(), out.String())
	}
	// The run stops at the latest 5 s after its traffic (bulwark's 4 s
	// deadline + 1 s), plus the report.
	if took := time.Since(begin); took > 8*time.Second {
		t.Errorf("a 2s demo took %s", took)
	}
	for _, want := range []string{
		"The incident:", "429 storm", // the intro
		"plain SDK:", // the plain progress lines (stdout is no terminal)
		"Results: 2s of traffic at 20 requests/s, 40 requests per side, seed 3", // the table
		"blank (no reply)", "upstream calls per request", "Per phase", "bulwark's breakers",
		"Report written to " + report,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("terminal escapes written to a non-terminal")
	}
	if errs.Len() != 0 {
		t.Errorf("stderr: %s", errs.String())
	}
	html, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "</html>") {
		t.Errorf("report of %d bytes without a chart", len(html))
	}
}

func TestDemoCommandRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--duration", "100ms"},
		{"demo", "--rps", "0"},
		{"demo", "--rps", "-3"},
		{"demo", "extra"},
		{"demo", "--nope"},
	} {
		var out, errs strings.Builder
		if code := run(context.Background(), args, &out, &errs); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errs.String())
		}
	}
	var out, errs strings.Builder
	if code := run(context.Background(), []string{"demo", "--config", filepath.Join(t.TempDir(), "missing.yaml"), "--duration", "1s"}, &out, &errs); code != 1 ||
		!strings.Contains(errs.String(), "missing.yaml") {
		t.Errorf("a missing config file: exit %d, stderr %q", code, errs.String())
	}
}

func TestDemoCommandHelp(t *testing.T) {
	var out, errs strings.Builder
	if code := run(context.Background(), []string{"demo", "--help"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, flag := range []string{"-duration", "-rps", "-report", "-seed", "-config"} {
		if !strings.Contains(errs.String(), flag) {
			t.Errorf("help lacks %s:\n%s", flag, errs.String())
		}
	}
}
