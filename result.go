package bulwark

import (
	"context"
	"errors"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

type resultT = taxonomy.Result

// resultOf turns an SDK error into what the taxonomy classifies. parent is the
// caller's context, actx the attempt's.
func resultOf(parent, actx context.Context, err error) taxonomy.Result {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		r := taxonomy.Result{Status: apiErr.StatusCode, ErrorType: string(apiErr.Type()), Message: apiErr.Message}
		if apiErr.Response != nil {
			r.Header = apiErr.Response.Header
		}
		if r.Status >= 200 && r.Status < 300 {
			r.StreamError = true // an SSE error event after an HTTP 200
		}
		return r
	}
	if parent.Err() != nil {
		return taxonomy.Result{Canceled: true, Err: err}
	}
	if actx.Err() != nil {
		return taxonomy.Result{TimedOut: true, Err: err}
	}
	return taxonomy.Result{Err: err}
}

type ctxKey struct{}

// WithRequestID returns a context whose calls log id as their request_id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}
