// Package providers is the end-to-end suite of DESIGN §13: `bulwark serve`
// as a process, in front of the simulator speaking every provider's wire —
// a second Anthropic key, Bedrock (InvokeModel and its binary event
// stream), Bedrock Mantle, Claude Platform on AWS, Claude on Google Cloud,
// Vertex AI and Foundry — each with its real auth (SigV4 against the
// simulator's test credentials, a Google service-account file whose token
// endpoint is the simulator's, API keys). For every kind: the same model
// answers from it while the default upstream is down, whole and streamed;
// its 429 and 5xx move the request on; an in-stream exception before the
// first token falls back unseen and one after it ends the stream with an
// error event; and a request with cache_control, thinking and tools reaches
// it with those bytes unchanged.
package providers
