package provider

import (
	"context"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func mustNew(t *testing.T, name string, s Settings, opts ...Option) *Upstream {
	t.Helper()
	u, err := New(context.Background(), name, s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
