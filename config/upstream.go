package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwarkhq/bulwark/internal/redact"
)

// DefaultUpstream is the name of the upstream that serves a tier written as
// a plain model name: the first-party Anthropic API at [Config.Upstream] (or
// $ANTHROPIC_BASE_URL), with the key in $ANTHROPIC_API_KEY. It is always
// present in [Config.Upstreams].
const DefaultUpstream = "anthropic"

// Kinds of upstream (DESIGN §13): each names a wire and an auth.
const (
	KindAnthropic     = "anthropic"      // the first-party API; several may exist (one per key)
	KindBedrock       = "bedrock"        // AWS Bedrock InvokeModel, SigV4 or a Bedrock API key
	KindBedrockMantle = "bedrock-mantle" // Bedrock's Anthropic-compatible endpoint
	KindAWS           = "aws"            // Claude Platform on AWS
	KindGoogleCloud   = "google-cloud"   // Claude on Google Cloud, Anthropic-managed
	KindVertex        = "vertex"         // Vertex AI rawPredict / streamRawPredict
	KindFoundry       = "foundry"        // Microsoft Foundry
)

// Kinds lists every upstream kind.
var Kinds = []string{KindAnthropic, KindBedrock, KindBedrockMantle, KindAWS, KindGoogleCloud, KindVertex, KindFoundry}

// Upstream is one named place models are served from (DESIGN §13). Every
// credential is read from the environment or the cloud's own credential
// chain, never from the file.
type Upstream struct {
	// Kind is one of [Kinds]; required.
	Kind string `yaml:"kind" json:"kind"`
	// BaseURL overrides the kind's endpoint, e.g. "https://api.anthropic.com"
	// or http://127.0.0.1:9000/bedrock-us for a simulator. Default: the
	// kind's public endpoint for Region; for the default upstream,
	// [Config.Upstream].
	BaseURL string `yaml:"base_url,omitempty" json:"base_url,omitempty"`
	// APIKeyEnv names the environment variable holding the upstream's key.
	// Default ANTHROPIC_API_KEY (anthropic), ANTHROPIC_FOUNDRY_API_KEY
	// (foundry), AWS_BEARER_TOKEN_BEDROCK (the AWS kinds: a Bedrock API key,
	// used instead of SigV4 when set).
	APIKeyEnv string `yaml:"api_key_env,omitempty" json:"api_key_env,omitempty"`
	// Region is the cloud region (bedrock, bedrock-mantle, aws, vertex,
	// google-cloud), e.g. us-east-1, us-east5 or global.
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// Project is the Google Cloud project (vertex, google-cloud).
	Project string `yaml:"project,omitempty" json:"project,omitempty"`
	// WorkspaceID is the Claude Platform on AWS workspace (aws).
	WorkspaceID string `yaml:"workspace_id,omitempty" json:"workspace_id,omitempty"`
	// Resource is the Foundry resource name (foundry), used for the default
	// base URL.
	Resource string `yaml:"resource,omitempty" json:"resource,omitempty"`
	// Models maps a first-party model name to this upstream's id for it,
	// e.g. claude-sonnet-5-5: us.anthropic.claude-sonnet-5-5. A model it
	// does not map is not served here; an anthropic upstream with no map
	// serves every model under its own name.
	Models map[string]string `yaml:"models,omitempty" json:"models,omitempty"`
	// CredentialsFile is a Google credentials file (a service-account key);
	// default: Application Default Credentials.
	CredentialsFile string `yaml:"credentials_file,omitempty" json:"credentials_file,omitempty"`
	// TokenURL overrides the Google token endpoint.
	TokenURL string `yaml:"token_url,omitempty" json:"token_url,omitempty"`
	// AWSProfile is the shared AWS config profile; default the chain's.
	AWSProfile string `yaml:"aws_profile,omitempty" json:"aws_profile,omitempty"`
	// STSEndpoint and IMDSEndpoint override the AWS STS and instance
	// metadata endpoints of the credential chain.
	STSEndpoint  string `yaml:"sts_endpoint,omitempty" json:"sts_endpoint,omitempty"`
	IMDSEndpoint string `yaml:"imds_endpoint,omitempty" json:"imds_endpoint,omitempty"`
}

// Serves reports whether u serves model.
func (u Upstream) Serves(model string) bool {
	if len(u.Models) == 0 {
		return u.Kind == KindAnthropic
	}
	_, ok := u.Models[model]
	return ok
}

// upstreams checks every upstream and every tier's via.
func (v *validator) upstreams(base string, ups map[string]Upstream, chains map[string][]Tier) {
	if u, ok := ups[DefaultUpstream]; ok && u.Kind != KindAnthropic {
		v.add("upstreams."+DefaultUpstream+".kind", "must be %q: plain model tiers go to it", KindAnthropic)
	} else if ok && u.BaseURL != "" && base != "" && u.BaseURL != base {
		v.add("upstreams."+DefaultUpstream+".base_url", "differs from upstream (%s): set the default upstream's URL once", redact.Userinfo(base))
	}
	for _, name := range sortedKeys(ups) {
		u, key := ups[name], "upstreams."+name
		switch {
		case name == "" || strings.ContainsAny(name, "@/ \t"):
			v.add("upstreams", "upstream name %q must be non-empty, without '@', '/' or spaces", name)
		case !slices.Contains(Kinds, u.Kind):
			v.add(key+".kind", "must be one of %s, got %q", strings.Join(Kinds, ", "), u.Kind)
		}
		v.url(key+".base_url", u.BaseURL, "http", "https")
		v.url(key+".token_url", u.TokenURL, "http", "https")
		v.url(key+".sts_endpoint", u.STSEndpoint, "http", "https")
		v.url(key+".imds_endpoint", u.IMDSEndpoint, "http", "https")
		if e := u.APIKeyEnv; e != "" && !isEnvName(e) {
			v.add(key+".api_key_env", "%q is not an environment variable name", e)
		}
		switch u.Kind {
		case KindBedrock, KindBedrockMantle, KindAWS:
			if u.Region == "" && u.BaseURL == "" {
				v.add(key+".region", "is required for kind %s (or set base_url)", u.Kind)
			}
		case KindVertex, KindGoogleCloud:
			if u.Project == "" {
				v.add(key+".project", "is required for kind %s", u.Kind)
			}
			if u.Region == "" {
				v.add(key+".region", "is required for kind %s (us-east5, europe-west1, global, ...)", u.Kind)
			}
		case KindFoundry:
			if u.Resource == "" && u.BaseURL == "" {
				v.add(key+".resource", "is required for kind foundry (or set base_url)")
			}
		}
		if u.Kind == KindAWS && u.WorkspaceID == "" {
			v.add(key+".workspace_id", "is required for kind aws")
		}
		if u.Kind != KindAnthropic && len(u.Models) == 0 {
			v.add(key+".models", "must map at least one model to this upstream's id for it")
		}
		for _, m := range sortedKeys(u.Models) {
			if strings.TrimSpace(m) == "" || strings.TrimSpace(u.Models[m]) == "" {
				v.add(key+".models", "model names and ids must not be empty")
			}
		}
	}
	for _, name := range sortedKeys(chains) {
		for i, t := range chains[name] {
			key := fmt.Sprintf("chains.%s[%d]", name, i)
			v.tier(key, t, ups)
		}
	}
}

func (v *validator) tier(key string, t Tier, ups map[string]Upstream) {
	if isReserved(t.Model) && !t.plain() {
		v.add(key, "%q takes no via or balance", t.Model)
	}
	if t.Balance != "" && t.Balance != BalanceOrdered {
		v.add(key+".balance", "must be %q, got %q", BalanceOrdered, t.Balance)
	}
	for j, u := range t.Via {
		k := fmt.Sprintf("%s.via[%d]", key, j)
		up, ok := ups[u]
		switch {
		case !ok:
			v.add(k, "upstream %q is not in upstreams", u)
		case slices.Index(t.Via, u) != j:
			v.add(k, "upstream %q is named twice", u)
		case !up.Serves(t.Model):
			v.add(k, "upstream %q does not map model %s (add it to upstreams.%s.models)", u, t.Model, u)
		}
	}
}
