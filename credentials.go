package bulwark

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// ErrNoCredentials is returned (wrapped) by New when every call would fail
// for want of credentials: no WithAPIKey, and none of the sources the SDK
// reads either — $ANTHROPIC_API_KEY, $ANTHROPIC_AUTH_TOKEN, a profile of
// `ant auth login`, workload identity federation, a credential option or
// header passed with WithRequestOptions. The SDK refuses to send a request
// with no credentials whatever its base URL, so a simulator needs a key too
// (any will do). The wrapped error of the SDK lists the sources it tried.
var ErrNoCredentials = errors.New("bulwark: no Anthropic credentials: pass bulwark.WithAPIKey or set ANTHROPIC_API_KEY " +
	"(or ANTHROPIC_AUTH_TOKEN); a simulator takes any key")

// apiHost is the host of the Anthropic API, where a call needs credentials.
const apiHost = "api.anthropic.com"

// errProbe ends the credentials probe's request before it leaves the process.
var errProbe = errors.New("bulwark: credentials probe")

// probe is an SDK HTTP client that sends nothing: it keeps the request the
// SDK built, with the credentials it found, and fails it.
type probe struct{ req *http.Request }

func (p *probe) Do(req *http.Request) (*http.Response, error) {
	p.req = req
	return nil, errProbe
}

// checkCredentials makes the SDK build one request, in memory, and checks
// that it carries credentials (credentialsErr). No byte leaves the process.
func checkCredentials(s *settings, client *anthropic.Client) error {
	if s.apiKey != "" {
		return nil
	}
	p := &probe{}
	_, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "claude-credentials-probe", MaxTokens: 1,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("."))},
	}, option.WithHTTPClient(p), option.WithMaxRetries(0))
	return credentialsErr(p.req, err)
}

// credentialsErr decides from the request the SDK built (nil when it sent
// none) and the error it returned: no request means the SDK itself found no
// credentials (its error says where it looked); a request to the Anthropic
// API's Messages endpoint without x-api-key or Authorization has none
// either (a middleware let it through). A request elsewhere is allowed:
// another base URL with a middleware of the caller's, or the token exchange
// of workload identity federation that comes before the call.
func credentialsErr(req *http.Request, sdkErr error) error {
	switch {
	case req == nil:
		if sdkErr == nil || errors.Is(sdkErr, errProbe) {
			return nil
		}
		return fmt.Errorf("%w (%w)", ErrNoCredentials, sdkErr)
	case req.Header.Get("X-Api-Key") != "" || req.Header.Get("Authorization") != "":
		return nil
	case req.URL.Hostname() != apiHost || req.URL.Path != "/v1/messages":
		return nil
	}
	return ErrNoCredentials
}
