package catalog

import "strings"

// ContextWindow returns model's context window in tokens: the most input
// (prompt and output together) one request to it may hold. model may be an
// alias, a dated id ([Alias]) or a deployment key "MODEL@UPSTREAM", which has
// MODEL's window. ok is false for a model the table does not know; the engine
// then never moves a context overflow to it (DESIGN §14).
//
// Sources, looked up on 2026-12-03:
//
//   - 1M for Fable 5.2, Opus 5.5, Sonnet 5.5 and Sonnet 5, and for the rest of
//     the 5 family: Anthropic's model page
//     https://platform.claude.com/docs/en/models/sonnet-5/overview ("Context
//     window: 1M tokens", and its table comparing the current models, each
//     1M);
//   - 1M for Opus 4.6, 4.7, 4.8, Sonnet 4.6 and Fable/Mythos 5 and 5.1, 200k
//     for every other model, "including Claude Sonnet 4.5": Anthropic's
//     context-windows page,
//     https://platform.claude.com/docs/en/build-with-claude/context-windows,
//     as quoted by barganconstantin/ccdeck src/web/context-window.ts;
//   - 1M for Haiku 5.5: the same ccdeck table and claude-session-parser's
//     context_window_for_model (docs.rs), which saw Haiku 5.5 requests over
//     200k.
//
// Sonnet 4.5's 1M beta (header context-1m-2025-08-07) is not counted: a
// request without the header has 200k.
func ContextWindow(model string) (tokens int, ok bool) {
	if i := strings.LastIndexByte(model, '@'); i > 0 {
		model = model[:i]
	}
	if n, ok := contextWindows[model]; ok {
		return n, true
	}
	n, ok := contextWindows[Alias(model)]
	return n, ok
}

const (
	window200k = 200_000
	window1M   = 1_000_000
)

var contextWindows = map[string]int{
	"claude-haiku-4-5": window200k, "claude-sonnet-4-5": window200k, "claude-opus-4-5": window200k,
	"claude-opus-4-6": window1M, "claude-sonnet-4-6": window1M, "claude-opus-4-7": window1M,
	"claude-opus-4-8": window1M,
	"claude-opus-5":   window1M, "claude-sonnet-5": window1M, "claude-fable-5": window1M, "claude-mythos-5": window1M,
	"claude-fable-5-1": window1M, "claude-mythos-5-1": window1M,
	"claude-opus-5-5": window1M, "claude-sonnet-5-5": window1M, "claude-haiku-5-5": window1M,
	"claude-fable-5-2": window1M,
}
