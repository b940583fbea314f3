package demo

import (
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/sim"
)

// Bedrock is the upstream of the providers demo (Config.Providers): AWS
// Bedrock, played by bulwark's simulator with its test credentials, serving
// Primary as BedrockID.
const (
	Bedrock   = "bedrock-us"
	BedrockID = "us.anthropic.claude-sonnet-5-5"
)

// incident is the run's incident: [Incident], or with Providers
// [ProviderIncident].
func (c Config) incident() []Phase {
	if c.Providers {
		return ProviderIncident(c.Duration)
	}
	return Incident(c.Duration)
}

// ProviderIncident is [Incident] as it happens to the Anthropic API only:
// every fault is the first-party API's, while Bedrock answers (at the same
// latencies). It is the incident that a second provider is for.
func ProviderIncident(total time.Duration) []Phase {
	phases := Incident(total)
	for i := range phases {
		p := &phases[i]
		faults := false
		for j := range p.Rules {
			if r := &p.Rules[j]; r.Status != 0 || r.Hang {
				r.Upstream, faults = sim.KindAnthropic, true
			}
		}
		if faults {
			p.About += " (Anthropic API only; Bedrock answers)"
		}
	}
	return phases
}

// chain is bulwark's chain: Primary, then (with Providers) Primary on
// Bedrock, then Fallback, then the static message.
func (c Config) chain() []string {
	if c.Providers {
		return []string{Primary, engine.Deployment(Primary, Bedrock), Fallback, engine.TierStatic}
	}
	return []string{Primary, Fallback, engine.TierStatic}
}

// upstreams are the Guard's options that add Bedrock, through the SDK's
// bedrock package, at the simulator at baseURL; none without Providers.
func (c Config) upstreams(baseURL string) []bulwark.Option {
	if !c.Providers {
		return nil
	}
	awsCfg := aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(sim.AWSAccessKeyID, sim.AWSSecretAccessKey, "")}
	return []bulwark.Option{bulwark.WithUpstream(Bedrock, map[string]string{Primary: BedrockID},
		bedrock.WithConfig(awsCfg), option.WithBaseURL(baseURL))}
}
