package catalog

import "github.com/anthropics/anthropic-sdk-go/v2"

// known is every model id the SDK names (its Model constants, v2.15.0).
var known = map[string]bool{
	anthropic.ModelClaudeFable5_2: true, anthropic.ModelClaudeMythos5_2: true,
	anthropic.ModelClaudeHaiku5_5: true, anthropic.ModelClaudeSonnet5_5: true,
	anthropic.ModelClaudeFable5_1: true, anthropic.ModelClaudeOpus5_5: true,
	anthropic.ModelClaudeMythos5_1: true, anthropic.ModelClaudeSonnet5: true,
	anthropic.ModelClaudeFable5: true, anthropic.ModelClaudeMythos5: true,
	anthropic.ModelClaudeOpus5: true, anthropic.ModelClaudeOpus4_8: true,
	anthropic.ModelClaudeOpus4_7: true, anthropic.ModelClaudeMythosPreview: true,
	anthropic.ModelClaudeOpus4_6: true, anthropic.ModelClaudeSonnet4_6: true,
	anthropic.ModelClaudeHaiku4_5: true, anthropic.ModelClaudeHaiku4_5_20251001: true,
	anthropic.ModelClaudeOpus4_5: true, anthropic.ModelClaudeOpus4_5_20251101: true,
	anthropic.ModelClaudeSonnet4_5: true, anthropic.ModelClaudeSonnet4_5_20250929: true,
}

// Known reports whether model is a Claude model id bulwark knows of: one of
// the Model constants of the anthropic-sdk-go version it is built with, a
// dated snapshot of one ([Alias]), or a model of the end-of-life table. The
// metrics give such models a label of their own; any other name a client
// sends is counted as "other".
func Known(model string) bool {
	if known[model] || known[Alias(model)] {
		return true
	}
	_, ok := Lifecycle(model)
	return ok
}
