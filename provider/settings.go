package provider

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Settings describe one upstream. The zero value of every field but Kind
// means its default. The yaml keys are those of the config file's
// upstreams: entries (config.Upstream is this type).
type Settings struct {
	// Kind is the upstream's kind. Required.
	Kind Kind `yaml:"kind" json:"kind"`
	// BaseURL is where the upstream is reached. Default per kind:
	// anthropic https://api.anthropic.com; bedrock
	// https://bedrock-runtime.{region}.amazonaws.com; bedrock-mantle
	// https://bedrock-mantle.{region}.api.aws/anthropic; aws
	// https://aws-external-anthropic.{region}.api.aws; google-cloud
	// https://claude.googleapis.com/v1/projects/{project}/locations/{region}/workspaces/{workspace}/invoke;
	// vertex https://{region}-aiplatform.googleapis.com ("global":
	// https://aiplatform.googleapis.com, "us"/"eu": the multi-region
	// endpoints); foundry https://{resource}.services.ai.azure.com/anthropic.
	// A path in it (http://127.0.0.1:PORT/bedrock-us) is kept in front of
	// the kind's paths. It must be http or https with a host.
	BaseURL string `yaml:"base_url,omitempty" json:"base_url,omitempty"`
	// APIKeyEnv names the environment variable holding a key. Default:
	// anthropic ANTHROPIC_API_KEY (sent as x-api-key); foundry
	// ANTHROPIC_FOUNDRY_API_KEY (x-api-key); bedrock and bedrock-mantle
	// AWS_BEARER_TOKEN_BEDROCK, then ANTHROPIC_AWS_API_KEY; aws
	// ANTHROPIC_AWS_API_KEY (as the SDK's aws package). On the AWS kinds a
	// key found there is sent as a bearer token instead of SigV4 signing.
	// Google kinds take no key.
	APIKeyEnv string `yaml:"api_key_env,omitempty" json:"api_key_env,omitempty"`
	// Region is the AWS region (bedrock, bedrock-mantle, aws: required,
	// else AWS_REGION or AWS_DEFAULT_REGION), the Vertex region (required)
	// or the Google Cloud location (default "global").
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// Project is the Google Cloud project (vertex: required; google-cloud:
	// required unless BaseURL is set).
	Project string `yaml:"project,omitempty" json:"project,omitempty"`
	// WorkspaceID is the Anthropic workspace: aws sends it as
	// anthropic-workspace-id (required, else ANTHROPIC_AWS_WORKSPACE_ID);
	// google-cloud puts it in the default base URL (required unless
	// BaseURL is set).
	WorkspaceID string `yaml:"workspace_id,omitempty" json:"workspace_id,omitempty"`
	// Resource is the Foundry resource name of the default base URL
	// (foundry: this or BaseURL, not both).
	Resource string `yaml:"resource,omitempty" json:"resource,omitempty"`
	// Models maps a first-party model name to this upstream's id for it.
	// A model not in a non-nil map is not served here. A nil map serves
	// every model under its own name on anthropic, aws, google-cloud and
	// foundry, and no model on bedrock, bedrock-mantle and vertex.
	Models map[string]string `yaml:"models,omitempty" json:"models,omitempty"`
	// CredentialsFile is a Google credentials JSON file (a service-account
	// key, or any other ADC file) for the Google kinds. Default: the file
	// named by GOOGLE_APPLICATION_CREDENTIALS, else the rest of Application
	// Default Credentials (gcloud's file, the metadata server).
	CredentialsFile string `yaml:"credentials_file,omitempty" json:"credentials_file,omitempty"`
	// TokenURL overrides the Google token endpoint (else the file's
	// token_uri; else Google's).
	TokenURL string `yaml:"token_url,omitempty" json:"token_url,omitempty"`
	// AWSProfile is the shared config/credentials profile of the AWS kinds
	// (default: AWS_PROFILE, else "default").
	AWSProfile string `yaml:"aws_profile,omitempty" json:"aws_profile,omitempty"`
	// STSEndpoint overrides the AWS STS endpoint of the web identity and
	// assumed-role credentials of the AWS kinds.
	STSEndpoint string `yaml:"sts_endpoint,omitempty" json:"sts_endpoint,omitempty"`
	// IMDSEndpoint overrides the EC2 instance metadata endpoint of the
	// instance-role credentials.
	IMDSEndpoint string `yaml:"imds_endpoint,omitempty" json:"imds_endpoint,omitempty"`
}

// ErrSettings is wrapped by every error New returns for settings that
// cannot work.
var ErrSettings = errors.New("provider: bad settings")

func settingsErr(name, format string, args ...any) error {
	return fmt.Errorf("%w: upstream %q: %s", ErrSettings, name, fmt.Sprintf(format, args...))
}

// resolve fills the defaults of s that come from the environment (env
// reads it) and checks that s can work: the pure part of New.
func resolve(name string, s Settings, env func(string) string) (Settings, error) {
	if _, err := ParseKind(string(s.Kind)); err != nil || s.Kind == "" {
		return s, settingsErr(name, "unknown kind %q", s.Kind)
	}
	if s.Kind.aws() && s.Region == "" {
		s.Region = firstNonEmpty(env("AWS_REGION"), env("AWS_DEFAULT_REGION"))
	}
	if s.Kind == AWS && s.WorkspaceID == "" {
		s.WorkspaceID = env("ANTHROPIC_AWS_WORKSPACE_ID")
	}
	if s.Kind == GoogleCloud && s.Region == "" {
		s.Region = "global"
	}
	switch {
	case s.Kind.aws() && s.Region == "":
		return s, settingsErr(name, "%s needs a region (region, or AWS_REGION)", s.Kind)
	case s.Kind == AWS && s.WorkspaceID == "":
		return s, settingsErr(name, "aws needs a workspace id (workspace_id, or ANTHROPIC_AWS_WORKSPACE_ID)")
	case s.Kind == Vertex && (s.Project == "" || s.Region == ""):
		return s, settingsErr(name, "vertex needs a project and a region")
	case s.Kind == GoogleCloud && s.BaseURL == "" && (s.Project == "" || s.WorkspaceID == ""):
		return s, settingsErr(name, "google-cloud needs a project and a workspace id, or a base URL")
	case s.Kind == Foundry && (s.Resource == "") == (s.BaseURL == ""):
		return s, settingsErr(name, "foundry needs a resource or a base URL (one of them)")
	}
	for _, seg := range []string{s.Region, s.Project, s.WorkspaceID, s.Resource} {
		if strings.ContainsAny(seg, "/?#%") || seg == "." || seg == ".." {
			return s, settingsErr(name, "%q cannot be part of a URL path", seg)
		}
	}
	if s.BaseURL == "" {
		s.BaseURL = defaultBaseURL(s)
	}
	u, err := url.Parse(s.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return s, settingsErr(name, "base URL %q is not an http(s) URL with a host and no query", s.BaseURL)
	}
	if s.Models != nil {
		for from, to := range s.Models {
			if from == "" || to == "" {
				return s, settingsErr(name, "models map %q to %q: neither may be empty", from, to)
			}
		}
	}
	return s, nil
}

// defaultBaseURL is the kind's base URL for s's region, project,
// workspace and resource.
func defaultBaseURL(s Settings) string {
	switch s.Kind {
	case Bedrock:
		return "https://bedrock-runtime." + s.Region + ".amazonaws.com"
	case BedrockMantle:
		return "https://bedrock-mantle." + s.Region + ".api.aws/anthropic"
	case AWS:
		return "https://aws-external-anthropic." + s.Region + ".api.aws"
	case GoogleCloud:
		return "https://claude.googleapis.com/v1/projects/" + s.Project + "/locations/" + s.Region +
			"/workspaces/" + s.WorkspaceID + "/invoke"
	case Vertex:
		switch s.Region {
		case "global":
			return "https://aiplatform.googleapis.com"
		case "us", "eu":
			return "https://aiplatform." + s.Region + ".rep.googleapis.com"
		}
		return "https://" + s.Region + "-aiplatform.googleapis.com"
	case Foundry:
		return "https://" + s.Resource + ".services.ai.azure.com/anthropic"
	}
	return "https://api.anthropic.com"
}

// keyEnvs are the environment variables searched for a key, in order.
func keyEnvs(s Settings) []string {
	if s.APIKeyEnv != "" {
		return []string{s.APIKeyEnv}
	}
	switch s.Kind {
	case Anthropic:
		return []string{"ANTHROPIC_API_KEY"}
	case Foundry:
		return []string{"ANTHROPIC_FOUNDRY_API_KEY"}
	case Bedrock, BedrockMantle:
		return []string{"AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY"}
	case AWS:
		return []string{"ANTHROPIC_AWS_API_KEY"}
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
