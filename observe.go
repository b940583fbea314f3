package bulwark

import "github.com/bulwarkhq/bulwark/breaker"

// WithBreakerObserver calls f on every state change of the Guard's model
// breakers (closed → open, open → half_open, half_open → closed or open),
// once per change, with the model, both states and the time (on the Guard's
// clock). f is called synchronously by the request whose outcome caused the
// change, after the breaker's locks are released, so it must be fast and may
// read g.Breakers(). Default: none. Used by `bulwark demo` to draw the
// breaker timeline.
func WithBreakerObserver(f func(breaker.Change)) Option {
	return func(s *settings) { s.onBreakerChange = f }
}
