package redistest

import (
	"testing"

	"github.com/bulwarkhq/bulwark/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func TestServerAnswersUntilKilledAndAgainAfterRestart(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("fresh server: %v", err)
	}
	if s.URL != "redis://"+s.Addr+"/0" {
		t.Fatalf("URL = %q", s.URL)
	}
	s.Kill()
	if err := ping(s.Addr); err == nil {
		t.Fatal("killed server still answers")
	}
	s.Kill() // idempotent
	s.Restart()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("restarted server: %v", err)
	}
}

func TestFrozenServerDoesNotAnswerUntilThawed(t *testing.T) {
	s := Start(t)
	s.Freeze()
	if err := ping(s.Addr); err == nil {
		t.Fatal("frozen server answered")
	}
	s.Thaw()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("thawed server: %v", err)
	}
}

func TestTwoServersGetTheirOwnPorts(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("both servers on %s", a.Addr)
	}
}
