package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sigV4Service is the SigV4 service name of each AWS kind.
var sigV4Service = map[Kind]string{
	Bedrock:       "bedrock",
	BedrockMantle: "bedrock-mantle",
	AWS:           "aws-external-anthropic",
}

// sigV4Auth signs each request with AWS SigV4, with credentials from the
// AWS SDK's default chain (environment, shared config and credentials
// files with their profile, SSO, web identity, container and instance
// roles), cached and refreshed by the SDK.
type sigV4Auth struct {
	creds   aws.CredentialsProvider
	signer  *v4.Signer
	service string
	region  string
	now     func() time.Time
	seen    *seenSecrets
}

// newSigV4Auth loads the AWS config for s. It does not fetch credentials:
// the first request does (an instance role needs the network).
func newSigV4Auth(ctx context.Context, s Settings, o options, seen *seenSecrets) (*sigV4Auth, error) {
	load := []func(*config.LoadOptions) error{
		config.WithRegion(s.Region),
	}
	if o.hcSet {
		load = append(load, config.WithHTTPClient(o.hc))
	}
	if s.AWSProfile != "" {
		load = append(load, config.WithSharedConfigProfile(s.AWSProfile))
	} else if id, secret := o.env("AWS_ACCESS_KEY_ID"), o.env("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		// The chain's first step, read through WithEnv.
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(id, secret, o.env("AWS_SESSION_TOKEN"))))
	}
	if s.IMDSEndpoint != "" {
		load = append(load, config.WithEC2IMDSEndpoint(s.IMDSEndpoint))
	}
	if s.STSEndpoint != "" {
		// The chain builds its STS clients before service options apply, so
		// the endpoint is set on the client each STS provider is given.
		load = append(load,
			config.WithWebIdentityRoleCredentialOptions(func(wo *stscreds.WebIdentityRoleOptions) {
				if c, ok := wo.Client.(*sts.Client); ok {
					wo.Client = stsAt(c, s.STSEndpoint)
				}
			}),
			config.WithAssumeRoleCredentialOptions(func(ao *stscreds.AssumeRoleOptions) {
				if c, ok := ao.Client.(*sts.Client); ok {
					ao.Client = stsAt(c, s.STSEndpoint)
				}
			}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("%w: loading the AWS config: %w", ErrAuth, err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: the AWS config has no credentials", ErrAuth)
	}
	return &sigV4Auth{
		creds: cfg.Credentials, signer: v4.NewSigner(), service: sigV4Service[s.Kind],
		region: s.Region, now: o.now, seen: seen,
	}, nil
}

// stsAt returns a copy of c that calls the STS endpoint at endpoint.
func stsAt(c *sts.Client, endpoint string) *sts.Client {
	o := c.Options()
	o.BaseEndpoint = aws.String(endpoint)
	return sts.New(o)
}

func (a *sigV4Auth) authorize(ctx context.Context, r *http.Request, body []byte) error {
	c, err := a.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%w: AWS credentials: %w", ErrAuth, err)
	}
	a.seen.report(c.SecretAccessKey, c.SessionToken)
	sum := sha256.Sum256(body)
	if err := a.signer.SignHTTP(ctx, c, r, hex.EncodeToString(sum[:]), a.service, a.region, a.now()); err != nil {
		return fmt.Errorf("provider: SigV4 signing: %w", err)
	}
	return nil
}
