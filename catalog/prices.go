package catalog

import "strings"

// Price is what one model's tokens cost, in USD per million tokens (MTok).
type Price struct {
	// Input is the price of uncached input tokens.
	Input float64 `yaml:"input" json:"input"`
	// Output is the price of output tokens.
	Output float64 `yaml:"output" json:"output"`
	// CacheWrite is the price of input tokens written to the prompt cache
	// (the 5-minute cache; usage.cache_creation_input_tokens).
	CacheWrite float64 `yaml:"cache_write" json:"cache_write"`
	// CacheRead is the price of input tokens read from the prompt cache
	// (usage.cache_read_input_tokens).
	CacheRead float64 `yaml:"cache_read" json:"cache_read"`
}

// Usage is the token counts of one answer, as in the Messages API's usage object.
type Usage struct {
	InputTokens              int64 // usage.input_tokens
	OutputTokens             int64 // usage.output_tokens
	CacheCreationInputTokens int64 // usage.cache_creation_input_tokens
	CacheReadInputTokens     int64 // usage.cache_read_input_tokens
}

// Prices maps a model id (an alias such as "claude-haiku-4-5", or a dated id)
// to its [Price].
type Prices map[string]Price

// Lookup returns the price of model: its own entry, else the entry of its
// [Alias] (so "claude-haiku-4-5-20251001" is priced as "claude-haiku-4-5").
// A deployment key "MODEL@UPSTREAM" (engine.Deployment) has its own entry
// when p holds one, else MODEL's price. It reports false when none is in p.
func (p Prices) Lookup(model string) (Price, bool) {
	if pr, ok := p[model]; ok {
		return pr, true
	}
	if i := strings.LastIndexByte(model, '@'); i > 0 {
		model = model[:i]
		if pr, ok := p[model]; ok {
			return pr, true
		}
	}
	pr, ok := p[Alias(model)]
	return pr, ok
}

// Cost returns what usage u of model cost, in USD. known is false when p has
// no price for model (see [Prices.Lookup]); usd is then 0 and must be shown as
// unknown, not as free.
func (p Prices) Cost(model string, u Usage) (usd float64, known bool) {
	pr, ok := p.Lookup(model)
	if !ok {
		return 0, false
	}
	usd = float64(u.InputTokens)*pr.Input +
		float64(u.OutputTokens)*pr.Output +
		float64(u.CacheCreationInputTokens)*pr.CacheWrite +
		float64(u.CacheReadInputTokens)*pr.CacheRead
	return usd / 1e6, true
}

// DefaultPrices returns a new copy of the built-in price table. It holds only
// models whose price was found on a public price list, looked up on 2026-11-30:
//
//   - Opus 4.5, 4.6, 4.7, 4.8 and 5: Anthropic's pricing page,
//     https://platform.claude.com/docs/en/about-claude/pricing, "Model pricing"
//     table (base input, 5m cache writes, cache hits, output), in a 2026 copy
//     that lists models up to Claude Fable 5.1;
//   - Sonnet 4.5 and Haiku 4.5: the same page's figures as quoted by price
//     tables dated 2026 (deploybase.ai "Claude API Pricing", March 2026, for
//     input and output; hivebook.wiki "Claude Haiku 4.5" for Haiku's cache
//     read), with Anthropic's standard cache multipliers (write 1.25x input,
//     read 0.1x input) that the pricing page applies to both.
//
// Left out on purpose, so their spend shows as unknown until a config file
// prices them: the 5-5 family (claude-sonnet-5-5, claude-haiku-5-5,
// claude-opus-5-5) — the sources found disagree by date (Sonnet 5.5's cache
// read price was cut on 2026-10-07) and Haiku 5.5's price depends on the
// prompt's length, which a flat [Price] cannot express — and every model not
// listed.
func DefaultPrices() Prices {
	return Prices{
		"claude-haiku-4-5":  {Input: 1, Output: 5, CacheWrite: 1.25, CacheRead: 0.10},
		"claude-sonnet-4-5": {Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.30},
		"claude-opus-4-5":   {Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50},
		"claude-opus-4-6":   {Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50},
		"claude-opus-4-7":   {Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50},
		"claude-opus-4-8":   {Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50},
		"claude-opus-5":     {Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50},
	}
}
