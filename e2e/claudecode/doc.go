// Package claudecode tests that Claude Code, bulwark's headline client,
// answers through `bulwark serve`: the real CLI from npm
// (@anthropic-ai/claude-code at Version, installed once per test process
// into its own temp folder), with its tools enabled, in print mode (`claude -p`) and
// interactively under tmux, on the embedded default (no key: the built-in
// simulator) and with a failing primary model (Opus, Claude Code's default,
// answered by Sonnet through the default chains), and running the tool a
// simulator rule makes the model call (Read) with its result sent back.
//
// The tests skip with a clear message only when node and npm are missing
// (the interactive one also when tmux is); .ci/run installs tmux, and the
// CLI comes from the npm registry. BULWARK_CLAUDE_CODE_VERSION picks another
// release.
package claudecode
