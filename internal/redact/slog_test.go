package redact_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/redact"
)

func TestHandlerRemovesSecretsAndUserinfoFromEveryStringOfARecord(t *testing.T) {
	var buf bytes.Buffer
	r := redact.New(key, "redis-password-9")
	log := slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))).With("base", "https://u:p@upstream.example")
	log.Warn("echo "+key,
		slog.String("upstream_message", "invalid x-api-key "+key),
		slog.Any("error", errors.New("dial redis://:redis-password-9@db:6379: refused")),
		slog.Any("chain", []string{"claude", key}),
		slog.Group("g", slog.String("inner", key), slog.Int("n", 3)),
		slog.Int("status", 401))
	out := buf.String()
	for _, leak := range []string{key, "redis-password-9", "u:p@"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q is in the log line: %s", leak, out)
		}
	}
	for _, kept := range []string{`"status":401`, `"n":3`, `"base":"https://upstream.example"`, `redis://db:6379`, `"chain":["claude","[redacted]"]`} {
		if !strings.Contains(out, kept) {
			t.Errorf("%s is missing from the log line: %s", kept, out)
		}
	}
}

func TestHandlerPassesACleanRecordOnAsItIs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.New(key).Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	log.Info("agent.request_complete", slog.String("model", "claude-sonnet-5-5"), slog.Any("err", errors.New("EOF")))
	if want := `{"level":"INFO","msg":"agent.request_complete","model":"claude-sonnet-5-5","err":"EOF"}` + "\n"; buf.String() != want {
		t.Errorf("got %s want %s", buf.String(), want)
	}
}
