package provider

import (
	"context"
	"os"
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

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }
