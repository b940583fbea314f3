package sim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The test credentials the simulator accepts for the cloud kinds. They are
// fixed and public: never use them anywhere else.
const (
	// AWSAccessKeyID and AWSSecretAccessKey are the only AWS credentials
	// whose SigV4 signatures verify (any region, any session token).
	AWSAccessKeyID     = "AKIASIMULATOR0000000"
	AWSSecretAccessKey = "bulwark/sim/secret/access/key/0000000000"
	// AWSBearerToken is the Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)
	// accepted as "Authorization: Bearer" by bedrock and bedrock-mantle.
	AWSBearerToken = "ABSKc2ltdWxhdG9yLWJlZHJvY2stYXBpLWtleQ=="
	// FoundryAPIKey is the Microsoft Foundry key accepted in api-key or
	// x-api-key.
	FoundryAPIKey = "sim-foundry-api-key-0000000000000000"
	// EntraToken is the Microsoft Entra ID bearer token Foundry accepts.
	EntraToken = "sim-entra-access-token"
)

// sigV4Service is the SigV4 signing name of each AWS kind.
var sigV4Service = map[string]string{
	KindBedrock:       "bedrock",
	KindBedrockMantle: "bedrock-mantle",
	KindAWS:           "aws-external-anthropic",
}

// authFailure is why a request's credentials were refused: the HTTP status
// and the provider's error code (an AWS exception name, a Google status, an
// Anthropic error type) with a message.
type authFailure struct {
	status  int
	code    string
	message string
}

// Sentinel causes of a failed SigV4 check.
var (
	errNoSigV4        = errors.New("no AWS4-HMAC-SHA256 authorization")
	errUnknownKey     = errors.New("the security token included in the request is invalid")
	errWrongService   = errors.New("credential should be scoped to the correct service")
	errBadSignature   = errors.New("the request signature we calculated does not match the signature you provided")
	errMalformedSigV4 = errors.New("authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
)

// sigV4Auth is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header.
type sigV4Auth struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseSigV4 reads an Authorization header value; ok is false when it is not
// SigV4 at all.
func parseSigV4(v string) (a sigV4Auth, ok bool, err error) {
	rest, found := strings.CutPrefix(v, "AWS4-HMAC-SHA256 ")
	if !found {
		return a, false, nil
	}
	var cred, signed string
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			a.signature = val
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signed == "" || a.signature == "" {
		return a, true, errMalformedSigV4
	}
	a.accessKey, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, true, nil
}

// verifySigV4 checks r's SigV4 signature for service by signing a copy of
// the request (its signed headers, its body) again with the AWS SDK's
// signer and the test credentials, at the time the request says it was
// signed. The time itself is not checked against any clock.
func verifySigV4(ctx context.Context, r *http.Request, body []byte, service string) error {
	a, ok, err := parseSigV4(r.Header.Get("Authorization"))
	switch {
	case !ok:
		return errNoSigV4
	case err != nil:
		return err
	case a.accessKey != AWSAccessKeyID:
		return errUnknownKey
	case a.service != service:
		return errWrongService
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != a.date {
		return errBadSignature
	}
	cp, err := http.NewRequestWithContext(ctx, r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return errBadSignature
	}
	cp.Host = r.Host
	cp.ContentLength = int64(len(body))
	for _, h := range a.signedHeaders {
		if h == "host" || h == "content-length" {
			continue
		}
		if vs := r.Header.Values(h); len(vs) > 0 {
			cp.Header[http.CanonicalHeaderKey(h)] = vs
		}
	}
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: AWSAccessKeyID, SecretAccessKey: AWSSecretAccessKey, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(ctx, creds, cp, hash, service, a.region, at); err != nil {
		return errBadSignature
	}
	want, _, _ := parseSigV4(cp.Header.Get("Authorization"))
	if subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) != 1 ||
		strings.Join(want.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
		return errBadSignature
	}
	return nil
}

// bearer is r's "Authorization: Bearer" token, or "".
func bearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// credentialKind is the cloud kind r's credentials belong to, read from their
// form and not yet verified: a SigV4 signature's service, a known token or
// key. "" when they tell no cloud (any first-party key, or none).
func (s *Server) credentialKind(r *http.Request) string {
	if a, ok, _ := parseSigV4(r.Header.Get("Authorization")); ok {
		for kind, svc := range sigV4Service {
			if a.service == svc && kind != KindBedrock {
				return kind
			}
		}
		return ""
	}
	switch tok := bearer(r); {
	case tok == AWSBearerToken:
		return KindBedrockMantle
	case tok == EntraToken:
		return KindFoundry
	case tok != "" && s.google.valid(tok, s.clock.Now()):
		return KindGoogleCloud
	}
	if r.Header.Get("Api-Key") == FoundryAPIKey || r.Header.Get("X-Api-Key") == FoundryAPIKey {
		return KindFoundry
	}
	return ""
}

// authorize checks r's credentials for kind; nil when they are good (the
// first-party API takes any key or none).
func (s *Server) authorize(r *http.Request, body []byte, kind string) *authFailure {
	switch kind {
	case KindBedrock, KindBedrockMantle, KindAWS:
		if kind != KindAWS && bearer(r) != "" {
			if bearer(r) == AWSBearerToken {
				return nil
			}
			return awsFailure(kind, "AccessDeniedException", "Authentication failed: Please make sure your API Key is valid.")
		}
		switch err := verifySigV4(r.Context(), r, body, sigV4Service[kind]); {
		case err == nil:
			return nil
		case errors.Is(err, errNoSigV4):
			return awsFailure(kind, "AccessDeniedException", "Missing Authentication Token: sign the request with SigV4 (service "+sigV4Service[kind]+")")
		case errors.Is(err, errUnknownKey):
			return awsFailure(kind, "UnrecognizedClientException", "The security token included in the request is invalid.")
		case errors.Is(err, errWrongService):
			return awsFailure(kind, "InvalidSignatureException", "Credential should be scoped to correct service: '"+sigV4Service[kind]+"'.")
		default:
			return awsFailure(kind, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
		}
	case KindVertex, KindGoogleCloud:
		if tok := bearer(r); tok != "" && s.google.valid(tok, s.clock.Now()) {
			return nil
		}
		f := &authFailure{status: http.StatusUnauthorized, code: "UNAUTHENTICATED", message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
		if kind == KindGoogleCloud {
			f.code = "authentication_error"
		}
		return f
	case KindFoundry:
		if r.Header.Get("Api-Key") == FoundryAPIKey || r.Header.Get("X-Api-Key") == FoundryAPIKey || bearer(r) == EntraToken {
			return nil
		}
		return &authFailure{status: http.StatusUnauthorized, code: "authentication_error", message: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}
	}
	return nil
}

// awsFailure is a 403 in Bedrock's shape for bedrock, and in the first-party
// shape (permission_error, the exception named in the message) for the
// AWS-hosted first-party wires.
func awsFailure(kind, exception, msg string) *authFailure {
	if kind == KindBedrock {
		return &authFailure{status: http.StatusForbidden, code: exception, message: msg}
	}
	return &authFailure{status: http.StatusForbidden, code: "permission_error", message: exception + ": " + msg}
}
