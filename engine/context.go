package engine

import "github.com/bulwarkhq/bulwark/taxonomy"

// overflow is what a context overflow (taxonomy.ContextOverflow, DESIGN §14)
// left the run needing: a model whose context window is larger than floor
// tokens and holds tokens. The zero value needs nothing.
type overflow struct {
	active        bool
	floor, tokens int
}

// afterOverflow returns what the run needs once a model whose window is
// window (known: the catalog knows it) refused a prompt with decision d:
// more than the refusing model's window and than the limit the message
// named, and at least the prompt's tokens. It keeps the largest floor an
// earlier overflow of the run set.
func afterOverflow(prev overflow, window int, known bool, d taxonomy.Decision) overflow {
	o := overflow{active: true, floor: max(prev.floor, d.ContextLimit), tokens: max(prev.tokens, d.PromptTokens)}
	if known {
		o.floor = max(o.floor, window)
	}
	return o
}

// fits reports whether a model whose window is window (known: the catalog
// knows it) may take the prompt o describes. A model of unknown window never
// does: nothing says it is larger. With no overflow, every model fits.
func (o overflow) fits(window int, known bool) bool {
	if !o.active {
		return true
	}
	return known && window > o.floor && window >= o.tokens
}

// nextFitting returns the index of the first model tier from from on whose
// window fits o, or -1; window is the context window of model tier i.
func nextFitting(o overflow, n, from int, window func(i int) (int, bool)) int {
	for i := from; i < n; i++ {
		if o.fits(window(i)) {
			return i
		}
	}
	return -1
}
