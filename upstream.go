package bulwark

import (
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/engine"
)

// upstreamSettings is one WithUpstream.
type upstreamSettings struct {
	models map[string]string
	opts   []option.RequestOption
}

// WithUpstream adds an upstream named name (DESIGN §13): the same Claude
// models served elsewhere — a second Anthropic key, AWS Bedrock, Vertex AI,
// Microsoft Foundry — through an SDK client made with opts, typically a
// provider package's option: bedrock.WithLoadDefaultConfig(ctx),
// vertex.WithGoogleAuth(ctx, region, project), or option.WithAPIKey for a
// second key. The Guard adds its HTTP client (WithHTTPClient) before opts
// and turns the SDK's own retries off after them. A chain names a model on
// it as a deployment, MODEL@NAME (engine.Deployment):
//
//	WithChain("claude-sonnet-5-5", "claude-sonnet-5-5@bedrock-us", "claude-haiku-5-5", "static")
//
// Each deployment has its own breaker. models maps a first-party model name
// to the upstream's id for it (claude-sonnet-5-5 →
// us.anthropic.claude-sonnet-5-5); a model it does not map keeps its name.
func WithUpstream(name string, models map[string]string, opts ...option.RequestOption) Option {
	return func(s *settings) {
		if s.upstreams == nil {
			s.upstreams = map[string]upstreamSettings{}
		}
		s.upstreams[name] = upstreamSettings{models: models, opts: opts}
	}
}

// place is a named upstream's client and model ids.
type place struct {
	client anthropic.Client
	models map[string]string
}

// newPlaces makes the client of every upstream of WithUpstream, and splits
// the chain's deployments (MODEL@NAME) into their models and upstreams; a
// deployment of an upstream no WithUpstream added is an error.
func newPlaces(s *settings, chain *engine.Chain, base []option.RequestOption) (map[string]place, error) {
	places := make(map[string]place, len(s.upstreams))
	for name, u := range s.upstreams {
		opts := append(append(append([]option.RequestOption(nil), base...), u.opts...), option.WithMaxRetries(0))
		places[name] = place{client: anthropic.NewClient(opts...), models: u.models}
	}
	for i, k := range chain.Models {
		model, up := engine.SplitDeployment(k)
		if up == "" {
			continue
		}
		if _, ok := places[up]; !ok {
			return nil, fmt.Errorf("bulwark: chain: %s names upstream %q, which no WithUpstream adds", k, up)
		}
		if chain.Upstreams == nil {
			chain.Upstreams = make([]string, len(chain.Models))
		}
		chain.Models[i], chain.Upstreams[i] = model, up
	}
	return places, nil
}

// clientFor returns the client and model id of attempt a.
func (g *Guard) clientFor(a engine.Attempt) (*anthropic.Client, anthropic.Model) {
	if a.Upstream == "" {
		return &g.client, anthropic.Model(a.Model)
	}
	p := g.places[a.Upstream]
	if id, ok := p.models[a.Model]; ok {
		return &p.client, anthropic.Model(id)
	}
	return &p.client, anthropic.Model(a.Model)
}
