package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// ChaosProvidersConfigYAML is the gateway's config in the provider-down
// scenario: the chaos timings, and the primary model on the default
// upstream, then on Bedrock, then on Vertex — both at the simulator, with
// its test credentials — before the fallback model (DESIGN §13).
const ChaosProvidersConfigYAML = ChaosConfigYAML + `upstreams:
  bedrock-us: {kind: bedrock, base_url: "{{sim}}/bedrock-us", region: us-east-1, models: {claude-sonnet-5-5: us.anthropic.claude-sonnet-5-5}}
  vertex-us: {kind: vertex, base_url: "{{sim}}/vertex-us", project: ` + sim.GoogleProjectID + `, region: us-east5, credentials_file: "{{google_credentials}}", models: {claude-sonnet-5-5: claude-sonnet-5-5}}
chains:
  default:
    - {model: claude-sonnet-5-5, via: [anthropic, bedrock-us, vertex-us]}
    - claude-haiku-5-5
    - static
`

// providerDownScenario is the incident DESIGN §13 is for: the Anthropic API
// down as a whole while Bedrock and Vertex serve the same model.
func providerDownScenario() ChaosScenario {
	return ChaosScenario{
		Name: "provider-down",
		About: "every model on the anthropic upstream answers 529; Bedrock and Vertex serve the primary model; " +
			"measured once the anthropic deployment's breaker is open (after 1 s of load)",
		Rules:  `[{"upstream":"anthropic","model":"*","status":529}]`,
		Warmup: time.Second,
		Config: ChaosProvidersConfigYAML,
		Env: []string{"AWS_ACCESS_KEY_ID=" + sim.AWSAccessKeyID, "AWS_SECRET_ACCESS_KEY=" + sim.AWSSecretAccessKey,
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"},
		judge: func(r, h *ChaosResult) []Check {
			same := Ratio(float64(r.Result.Outcomes["200 "+primary]), float64(r.Result.Requests()))
			cs := []Check{
				AtLeast("success", r.Result.SuccessRate(), 1),
				AtLeast("answered by the primary model elsewhere", same, 1),
				AtMostRatio("upstream calls/request", r.CallsPerRequest(), ChaosCallsPerRequest),
			}
			if h != nil {
				cs = append(cs, AtMost("added p50 vs healthy", r.Result.Latency.Percentile(50)-h.Result.Latency.Percentile(50), ChaosAddedLatency))
			}
			return cs
		},
	}
}

// writeScenarioConfig writes sc.Config into dir with its placeholders
// filled, fetching the simulator's service-account file when it is named.
func writeScenarioConfig(ctx context.Context, dir, simURL string, sc ChaosScenario) (string, error) {
	cfg := strings.ReplaceAll(sc.Config, "{{sim}}", simURL)
	if strings.Contains(cfg, "{{google_credentials}}") {
		sa := filepath.Join(dir, "google-"+sc.Name+".json")
		if err := fetchFile(ctx, simURL+"/_sim/google/service-account.json", sa); err != nil {
			return "", err
		}
		cfg = strings.ReplaceAll(cfg, "{{google_credentials}}", sa)
	}
	path := filepath.Join(dir, "gateway-"+sc.Name+".yaml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// fetchFile saves the body of a GET of url at path.
func fetchFile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return os.WriteFile(path, b, 0o600)
}

// ChaosHeadroomConfigYAML is the gateway's config in the approaching-limit
// scenario: the primary model on two Anthropic keys balanced by headroom
// (DESIGN §14), then the fallback model.
const ChaosHeadroomConfigYAML = ChaosConfigYAML + `upstreams:
  anthropic-b: {kind: anthropic, base_url: "{{sim}}/anthropic-b", api_key_env: ANTHROPIC_API_KEY_B}
chains:
  default:
    - {model: claude-sonnet-5-5, via: [anthropic, anthropic-b], balance: headroom}
    - claude-haiku-5-5
    - static
`

// ChaosLimitedRate is the approaching-limit scenario's arrival rate: above
// what either key's buckets refill, below what both do.
const ChaosLimitedRate = 10

// approachingLimitScenarios are approaching-limit and, for comparison, the
// same keys and load tried in order (balance: ordered), which meets the
// first key's 429s and moves on from them.
func approachingLimitScenarios() []ChaosScenario {
	h := approachingLimitScenario()
	o := h
	o.Name = "approaching-limit-ordered"
	o.About = "approaching-limit with balance: ordered, for comparison: the first key until its 429s, then the second"
	o.Config = strings.Replace(h.Config, "balance: headroom", "balance: ordered", 1)
	o.judge = func(r, _ *ChaosResult) []Check {
		byPrimary := Ratio(float64(r.Result.Outcomes["200 "+primary]), float64(r.Result.Requests()))
		return []Check{AtLeast("answered by the primary model", byPrimary, 1)}
	}
	return []ChaosScenario{h, o}
}

// approachingLimitScenario: two keys whose buckets cannot take the load
// alone — the first by its requests, the second by its output tokens — but
// can together; steering by their rate-limit headers must avoid the 429s.
func approachingLimitScenario() ChaosScenario {
	return ChaosScenario{
		Name: "approaching-limit",
		About: fmt.Sprintf("two Anthropic keys balanced by headroom at %d requests/s: the first allows 60 requests/min "+
			"(1/s), the second 153,600 output tokens/min (600 requests of max_tokens 256, 10/s); the buckets start full", ChaosLimitedRate),
		Rate: ChaosLimitedRate,
		Limits: `[{"upstream":"anthropic","model":"*","requests_per_minute":60},` +
			`{"upstream":"anthropic-b","model":"*","output_tokens_per_minute":153600}]`,
		Config: ChaosHeadroomConfigYAML,
		Env:    []string{"ANTHROPIC_API_KEY_B=sk-bench-second-key"},
		judge: func(r, _ *ChaosResult) []Check {
			limited := int64(0)
			for _, ms := range r.Upstream.Models {
				limited += ms.Outcomes["rate_limited"]
			}
			byPrimary := Ratio(float64(r.Result.Outcomes["200 "+primary]), float64(r.Result.Requests()))
			return []Check{
				AtLeast("answered by the primary model", byPrimary, 1),
				AtMostRatio("429s seen/request", Ratio(float64(limited), float64(r.Result.Requests())), 0.01),
			}
		},
	}
}
