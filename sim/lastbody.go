package sim

import "sync"

// maxLastBodies bounds the upstream names whose last request body is kept.
const maxLastBodies = 64

// lastBodies keeps the last request body each upstream received, so that a
// test can check what a client's bytes became on a provider's wire.
type lastBodies struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (l *lastBodies) keep(upstream string, body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string][]byte)
	}
	if _, ok := l.m[upstream]; ok || len(l.m) < maxLastBodies {
		l.m[upstream] = body // read whole by readBody and never changed
	}
}

// LastBody returns the body of the last request the upstream named upstream
// received (its name as in Stats.Upstreams), as it arrived; nil when none
// has. Only the first 64 upstream names seen are kept.
func (s *Server) LastBody(upstream string) []byte {
	s.last.mu.Lock()
	defer s.last.mu.Unlock()
	return append([]byte(nil), s.last.m[upstream]...)
}
