package config

// Overrides are command-line flags that take precedence over the file. A
// zero field leaves the configuration as it is, so an override cannot clear
// a value (use the file for that).
type Overrides struct {
	// Addr replaces addr (--addr).
	Addr string
	// Upstream replaces upstream (--upstream), and the default upstream's
	// base_url when the file set one.
	Upstream string
	// Redis replaces redis (--redis).
	Redis string
	// Chain replaces the "default" chain (--chain), tiers in order.
	Chain []string
}

// ApplyOverrides applies o over c. Call [Config.Validate] afterwards.
func (c *Config) ApplyOverrides(o Overrides) {
	if o.Addr != "" {
		c.Addr = o.Addr
	}
	if o.Upstream != "" {
		c.Upstream = o.Upstream
		if u, ok := c.Upstreams[DefaultUpstream]; ok && u.BaseURL != "" {
			ups := make(map[string]Upstream, len(c.Upstreams))
			for k, v := range c.Upstreams {
				ups[k] = v
			}
			u.BaseURL = o.Upstream
			ups[DefaultUpstream] = u
			c.Upstreams = ups
		}
	}
	if o.Redis != "" {
		c.Redis = o.Redis
	}
	if len(o.Chain) > 0 {
		chains := make(map[string][]Tier, len(c.Chains)+1)
		for k, v := range c.Chains {
			chains[k] = v
		}
		chains[DefaultChain] = Tiers(o.Chain...)
		c.Chains = chains
	}
}
