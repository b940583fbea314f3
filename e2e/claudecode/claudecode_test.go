package claudecode_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestClaudeCodePrintModeAnswersOnTheEmbeddedDefault(t *testing.T) {
	gw := serve(t, "") // no key, no upstream: the built-in simulator
	out := runPrint(t, gw.URL, "say hello", nil)
	if !strings.Contains(out, answered("claude-opus-5-5", "say hello")) {
		t.Fatalf("claude -p printed %q; want the simulator's text answer from Opus to the prompt", out)
	}
}

func TestClaudeCodePrintModeIsAnsweredByTheFallbackWhenOpusFails(t *testing.T) {
	simP := failingOpus(t)
	gw := serve(t, simP.URL)
	out := runPrint(t, gw.URL, "say hello", nil)
	if !strings.Contains(out, answered("claude-sonnet-5-5", "say hello")) {
		t.Fatalf("claude -p printed %q; want Sonnet's answer (Opus fails)", out)
	}
	st := simStats(t, simP)
	if st.Models["claude-opus-5-5"].Outcomes["status_529"] == 0 || st.Models["claude-sonnet-5-5"].Outcomes["ok"] == 0 {
		t.Fatalf("simulator stats %+v: want Opus tried and failing, then Sonnet answering", st.Models)
	}
}

func TestClaudeCodeRunsTheToolTheModelCallsAndAnswersWithItsResult(t *testing.T) {
	// The model (a rule of the simulator) calls Read; Claude Code runs it on
	// the project's file and sends the tool_result back through the gateway.
	simP := startSim(t, `{"rules":[{"model":"*","tool_use":"Read"}]}`)
	gw := serve(t, simP.URL)
	out := runPrint(t, gw.URL, "summarise notes.txt", map[string]string{"notes.txt": "the launch code is tangerine seven\n"})
	if !strings.Contains(out, "after Read returned") || !strings.Contains(out, "tangerine") {
		t.Fatalf("claude -p printed %q; want the answer after Read returned the file's text", out)
	}
	if n := simStats(t, simP).Models["claude-opus-5-5"].Outcomes["ok"]; n < 2 {
		t.Fatalf("%d answered calls: want the tool_use and the answer to its result", n)
	}
}

func TestInteractiveClaudeCodeAnswersUnderTmux(t *testing.T) {
	bin := claude(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive Claude Code test drives it in tmux (.ci/run installs it)")
	}
	for _, c := range []struct {
		name      string
		failing   bool
		answering string
	}{
		{"on the embedded default", false, "claude-opus-5-5"},
		{"when Opus fails", true, "claude-sonnet-5-5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			upstream := ""
			if c.failing {
				upstream = failingOpus(t).URL
			}
			gw := serve(t, upstream)
			homeDir, workDir := home(t)
			tm := startTmux(t, workDir, claudeEnv(homeDir, gw.URL), bin)

			tm.waitFor(t, "auto mode", 45*time.Second) // the prompt is ready
			const prompt = "say hello from tmux"
			tm.send(t, "-l", prompt)
			tm.waitFor(t, prompt, 10*time.Second)
			tm.send(t, "Enter")
			tm.waitFor(t, answered(c.answering, prompt), 45*time.Second)

			tm.send(t, "-l", "/exit")
			tm.waitFor(t, "/exit", 10*time.Second)
			tm.send(t, "Enter")
			tm.waitExit(t, 20*time.Second)
		})
	}
}

// tmux is one tmux server (its own socket) running one Claude Code session.
type tmux struct{ socket string }

func startTmux(t *testing.T, dir string, env []string, bin string) *tmux {
	t.Helper()
	tm := &tmux{socket: fmt.Sprintf("bulwark-cc-%d", time.Now().UnixNano())}
	args := []string{"-L", tm.socket, "new-session", "-d", "-s", "cc", "-x", "200", "-y", "60", "-c", dir}
	for _, kv := range env {
		args = append(args, "-e", kv)
	}
	args = append(args, bin)
	cmd := exec.Command("tmux", args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tmux pane at the end:\n%s", tm.pane())
		}
		_ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
	})
	return tm
}

func (tm *tmux) send(t *testing.T, keys ...string) {
	t.Helper()
	args := append([]string{"-L", tm.socket, "send-keys", "-t", "cc"}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

func (tm *tmux) pane() string {
	out, _ := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-J", "-t", "cc").Output()
	return string(out)
}

// waitFor polls the pane until it shows text.
func (tm *tmux) waitFor(t *testing.T, text string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(tm.pane(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the pane did not show %q within %v", text, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for Claude Code to exit, which ends the tmux session.
func (tm *tmux) waitExit(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for exec.Command("tmux", "-L", tm.socket, "has-session", "-t", "cc").Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("Claude Code did not exit within %v of /exit", within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
