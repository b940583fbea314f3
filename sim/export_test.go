package sim

// ActiveHandlers is the number of ServeHTTP calls still running, for tests
// that check hung handlers exit.
func (s *Server) ActiveHandlers() int64 { return s.active.Load() }
