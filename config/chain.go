package config

import "slices"

// Chain returns the tiers that serve a request for model:
//
//  1. the chain whose key is model, when there is one;
//  2. else, when model is a tier of a chain, that chain from model on: the
//     whole chain when model is its first tier, and for a later tier (say
//     claude-haiku-5-5 in [claude-sonnet-5-5, claude-haiku-5-5, static]) the
//     rest of it ([claude-haiku-5-5, static]), so that a caller who asks for
//     a fallback model by name is never sent to a model it did not ask for.
//     The "default" chain is searched first, then the others by key order;
//  3. else [model, static]: a model no chain names is tried as asked, then
//     answered by the static tier (DESIGN §1). A reserved tier name asked
//     for as a model ("static", "cache") gives [static].
//
// The result shares memory with c and must not be modified; appending to it
// is safe. It is never empty for a non-empty model.
func (c Config) Chain(model string) []Tier {
	if ch, ok := c.Chains[model]; ok {
		return ch[:len(ch):len(ch)]
	}
	if isReserved(model) {
		return []Tier{{Model: TierStatic}}
	}
	if ch := c.Chains[DefaultChain]; len(ch) > 0 {
		if i := tierIndex(ch, model); i >= 0 {
			return ch[i:len(ch):len(ch)]
		}
	}
	var best string
	var found []Tier
	for name, ch := range c.Chains {
		if name == DefaultChain || (found != nil && name >= best) {
			continue
		}
		if i := tierIndex(ch, model); i >= 0 {
			best, found = name, ch[i:len(ch):len(ch)]
		}
	}
	if found != nil {
		return found
	}
	return []Tier{{Model: model}, {Model: TierStatic}}
}

// Models returns every model tier named in any chain, each once: the
// "default" chain's in order first, then the other chains' by key order.
// Reserved tiers ("cache", "static") are left out, and so are upstreams: see
// [Config.Deployments] for the breakers' keys. Pass it to
// catalog.Warnings to find retired models in use.
func (c Config) Models() []string {
	return c.collect(func(ch []Tier) []string { return Names(ch) })
}

func isReserved(tier string) bool { return tier == TierCache || tier == TierStatic }

// Deployments returns the deployment key ([engine.Deployment]) of every
// model tier of every chain, each once, in the order of [Config.Models]:
// the breakers and metrics a gateway keeps whatever clients send.
func (c Config) Deployments() []string {
	return c.collect(func(ch []Tier) []string {
		ec, _ := EngineChain(ch) // a chain that does not parse has no deployment
		return ec.Keys()
	})
}

// collect returns what of returns for each chain, the "default" chain's
// first, then the others' by key order: each non-empty name once, reserved
// tiers left out.
func (c Config) collect(of func([]Tier) []string) []string {
	var out []string
	add := func(ch []Tier) {
		for _, n := range of(ch) {
			if n != "" && !isReserved(n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	add(c.Chains[DefaultChain])
	for _, name := range sortedKeys(c.Chains) {
		if name != DefaultChain {
			add(c.Chains[name])
		}
	}
	return out
}
