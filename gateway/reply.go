package gateway

import (
	"bytes"
	"net/http"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
)

// outcome is a run's outcome with its reply.
type outcome = engine.Outcome[reply]

// reply is what one upstream attempt brought back, the payload of the
// gateway's attempts (engine.AttemptFunc): an answer read whole, or a live
// stream; zero when no answer came.
type reply struct {
	whole *upstreamAnswer
	live  *liveStream
}

// release returns what r holds: pooled buffers, an open upstream body.
func (r reply) release() {
	if r.whole != nil {
		putBuf(r.whole.body)
		r.whole.body = nil
	}
	if r.live != nil {
		r.live.close()
	}
}

// upstreamAnswer is an upstream response read whole.
type upstreamAnswer struct {
	status int
	header http.Header
	body   *bytes.Buffer // pooled; nil when the answer came as an SSE error event
	model  string
	// errType and message come from an SSE error event before the first token.
	errType, message string
	// usage is a 2xx body's usage, read (when an observer wants it) in the
	// pass that checked the body; hasUsage says whether it had one.
	usage    catalog.Usage
	hasUsage bool
}
