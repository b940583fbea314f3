package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/provider"
)

// DefaultUpstream is the name of the upstream that serves a tier written as
// a plain model name: the first-party Anthropic API at [Config.Upstream] (or
// $ANTHROPIC_BASE_URL), with the key in $ANTHROPIC_API_KEY. It is always
// present in [Config.Upstreams].
const DefaultUpstream = "anthropic"

// Upstream is one named place models are served from (DESIGN §13): its kind
// (provider.Anthropic, provider.Bedrock, ...), endpoint, region or project
// and model ids; see [provider.Settings] for every key and its default.
// Credentials are read from the environment or the cloud's own credential
// chain, never from the file. What a kind needs (a region, a project, a
// workspace) is checked when the gateway builds the upstream.
type Upstream = provider.Settings

// upstreams checks every upstream and every tier's via.
func (v *validator) upstreams(base string, ups map[string]Upstream, chains map[string][]Tier) {
	if u, ok := ups[DefaultUpstream]; ok && u.Kind != provider.Anthropic {
		v.add("upstreams."+DefaultUpstream+".kind", "must be %q: plain model tiers go to it", provider.Anthropic)
	} else if ok && u.BaseURL != "" && base != "" && u.BaseURL != base {
		v.add("upstreams."+DefaultUpstream+".base_url", "differs from upstream (%s): set the default upstream's URL once", redact.Userinfo(base))
	}
	for _, name := range sortedKeys(ups) {
		u, key := ups[name], "upstreams."+name
		if name == "" || strings.ContainsAny(name, "@/ \t") {
			v.add("upstreams", "upstream name %q must be non-empty, without '@', '/' or spaces", name)
		}
		if _, err := provider.ParseKind(string(u.Kind)); err != nil || u.Kind == "" {
			v.add(key+".kind", "must be one of %s, got %q", kindList(), u.Kind)
		}
		v.url(key+".base_url", u.BaseURL, "http", "https")
		v.url(key+".token_url", u.TokenURL, "http", "https")
		v.url(key+".sts_endpoint", u.STSEndpoint, "http", "https")
		v.url(key+".imds_endpoint", u.IMDSEndpoint, "http", "https")
		if e := u.APIKeyEnv; e != "" && !isEnvName(e) {
			v.add(key+".api_key_env", "%q is not an environment variable name", e)
		}
		for _, m := range sortedKeys(u.Models) {
			if strings.TrimSpace(m) == "" || strings.TrimSpace(u.Models[m]) == "" {
				v.add(key+".models", "model names and ids must not be empty")
			}
		}
	}
	for _, name := range sortedKeys(chains) {
		for i, t := range chains[name] {
			v.tier(fmt.Sprintf("chains.%s[%d]", name, i), t, ups)
		}
	}
}

func kindList() string {
	names := make([]string, len(provider.Kinds))
	for i, k := range provider.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func (v *validator) tier(key string, t Tier, ups map[string]Upstream) {
	if isReserved(t.Model) && !t.plain() {
		v.add(key, "%q takes no via or balance", t.Model)
	}
	if t.Balance != "" && t.Balance != BalanceOrdered && t.Balance != BalanceHeadroom {
		v.add(key+".balance", "must be %q or %q, got %q", BalanceOrdered, BalanceHeadroom, t.Balance)
	}
	for j, u := range t.Via {
		k := fmt.Sprintf("%s.via[%d]", key, j)
		up, ok := ups[u]
		switch {
		case !ok:
			v.add(k, "upstream %q is not in upstreams", u)
		case slices.Index(t.Via, u) != j:
			v.add(k, "upstream %q is named twice", u)
		case up.Models != nil && up.Models[t.Model] == "":
			v.add(k, "upstream %q does not map model %s (add it to upstreams.%s.models)", u, t.Model, u)
		}
	}
}
