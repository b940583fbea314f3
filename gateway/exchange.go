package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
)

// exchange is one client request on its way through the gateway. It only
// composes the request's roles, each a type of its own:
//
//   - inbound (inbound.go): the parsed request, its checks and its ids;
//   - upstream (upstream.go, upstream_stream.go): the attempts, each call
//     built, sent and read;
//   - responder (respond.go): what is written to the client;
//   - record (record.go): what the request did, for its log line, the
//     observer (metrics, cost) and the per-user breaker.
//
// The handlers (messages.go, stream.go, passthrough.go, agent.go,
// cache.go) drive them.
type exchange struct {
	s   *Server
	ctx context.Context
	// trace is the request's span (nil when the Server has no tracer).
	trace *tracing.Request
	inbound
	upstream
	responder
	record
}

func (s *Server) newExchange(w http.ResponseWriter, r *http.Request, endpoint string) *exchange {
	x := &exchange{s: s, ctx: r.Context()}
	x.inbound = inbound{r: r, id: newRequestID(), endpoint: endpoint}
	x.upstream = upstream{s: s, inbound: &x.inbound, rec: &x.record}
	x.responder.w = w
	x.record.start = time.Now()
	w.Header().Set(hRequestID, x.id)
	if s.tracer != nil {
		switch endpoint {
		case EndpointMessages, EndpointAgent:
			x.ctx, x.trace = s.tracer.StartRequest(x.ctx, r.Header, endpoint)
		case EndpointPassthrough:
			x.ctx = tracing.WithoutAttempts(x.ctx) // not a GenAI operation
		}
	}
	return x
}

func (x *exchange) release() {
	x.settle(taxonomy.Result{Canceled: true}) // a committed stream not settled yet: nothing counts
	if x.out != nil {
		x.out.Answer.release()
		x.out.Answer = reply{}
	}
	x.releaseBody()
}

// logf logs one line of this request, with its request_id.
func (x *exchange) logf(level slog.Level, msg string, attrs ...slog.Attr) {
	if !x.s.log.Enabled(x.ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+1)
	all = append(all, slog.String("request_id", x.id))
	x.s.log.LogAttrs(context.Background(), level, msg, append(all, attrs...)...)
}

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return string(jsonscan.AppendString(nil, s))
}
