// Package bulwark keeps a Claude agent answering when the Anthropic API fails.
//
// A [Guard] wraps the official Go SDK (github.com/anthropics/anthropic-sdk-go/v2)
// with bulwark's engine: retries with jittered backoff that honour retry-after,
// an error taxonomy that fails fast on what retrying cannot fix, a model
// fallback chain (Sonnet → Haiku → a static answer), one hard wall-clock
// deadline, a breaker per model, 429 cooldowns and a process-wide retry budget.
//
//	g, err := bulwark.New(bulwark.WithDeadline(10 * time.Second))
//	msg, out, err := g.Messages(ctx, params)   // out.ModelUsed, out.Fallback, out.Attempts
//	resp := g.Handle(ctx, bulwark.Request{Message: "hi"}) // never blank, never raw upstream text
//
// A program that already holds an anthropic.Client gets the same engine
// with one option, its calls unchanged ([Middleware]):
//
//	client := anthropic.NewClient(option.WithMiddleware(bulwark.Middleware(bulwark.WithChain(...))))
//
// The same engine runs behind the Anthropic-compatible gateway (bulwark serve),
// for agents written in other languages.
package bulwark
