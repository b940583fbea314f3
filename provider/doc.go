// Package provider knows the wire of each kind of upstream a Claude model is
// served from (DESIGN §13): the first-party API, AWS Bedrock (InvokeModel),
// Bedrock Mantle, Claude Platform on AWS, Claude on Google Cloud, Vertex AI
// and Microsoft Foundry. It builds the outgoing request of a call for one
// upstream — URL, translated body, filtered headers, credentials — and turns
// the upstream's answer back into exactly what the first-party API would have
// sent. It sends nothing itself and knows nothing of chains, retries or
// breakers (gateway/ and engine/ do).
//
// The map:
//   - kind.go — [Kind], [ParseKind], [Op], which kind serves which op.
//   - settings.go — [Settings], their defaults and checks (pure).
//   - options.go — [WithHTTPClient], [WithEnv], [WithSecretSink],
//     [WithClock], [WithEntraToken].
//   - upstream.go — [New], [Upstream]: [Upstream.ModelID], [Upstream.Check],
//     [Upstream.NewRequest], [Upstream.NewPathRequest]; the header filter.
//   - check.go — [Unsupported] and the per-kind deny table (pure).
//   - translate.go — the byte-preserving body translation (pure): members cut
//     and added at the byte ranges internal/jsonscan finds.
//   - url.go — each kind's paths (pure).
//   - auth.go, auth_aws.go, auth_google.go — credentials, through the clouds'
//     own libraries: SigV4 with aws-sdk-go-v2's signer and default credential
//     chain, Google tokens from golang.org/x/oauth2/google, fixed keys,
//     Entra tokens from a caller's function; every secret to the sink.
//   - response.go, errors.go — [Upstream.Response]: AWS, Google and other
//     error shapes mapped to Anthropic errors by meaning (pure tables).
//   - eventstream.go — Bedrock's binary event stream decoded (CRCs checked)
//     into first-party SSE, exceptions into SSE error events;
//     [InvocationMetricsOf].
//
// A caller's loop for one attempt on one upstream:
//
//	if err := u.Check(op, model, betas, body); err != nil { /* skip this deployment */ }
//	req, err := u.NewRequest(ctx, op, model, stream, body, header)
//	resp, err := client.Do(req)
//	resp = u.Response(resp, stream) // first-party status, JSON and SSE from here on
package provider
