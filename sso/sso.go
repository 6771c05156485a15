// Package sso signs a person in to IAM Identity Center (AWS SSO) and keeps
// the token where the AWS CLI v2 and the Go SDK keep it, so that each of
// them can use and refresh what the others wrote: the token in
// ~/.aws/sso/cache/<sha1(session name)>.json and the OIDC client
// registration beside it, in the CLI's exact names and JSON. With the
// token it lists the accounts and roles a person may use and gets a
// role's credentials from the AWS access portal.
//
// Every request goes through the injected *http.Client, to the endpoints
// the AWS CLI would use (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO,
// AWS_ENDPOINT_URL, else AWS's regional ones). The SDK's own retries are
// off: this package waits and tries again itself, only where that helps
// (the portal's 429s and 5xx answers), within bounds.
//
// No error and no Status line holds an access or refresh token, a client
// secret, a device or authorization code, or a PKCE verifier; the user
// code and the verification URL, which are meant for the person, are
// shown.
package sso

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/seed-2d15385e/awsfed/internal/httplimit"
	"github.com/seed-2d15385e/awsfed/internal/wait"
)

// Session is an [sso-session NAME] section of ~/.aws/config: the IAM
// Identity Center instance a person signs in to.
type Session struct {
	// Name is the section's name; the token file is named after it.
	Name string
	// StartURL is sso_start_url, the AWS access portal's URL, byte for
	// byte as configured (the CLI tells …/start from …/start#/).
	StartURL string
	// Region is sso_region, the region of the IAM Identity Center
	// instance.
	Region string
	// Scopes is sso_registration_scopes as ParseScopes reads it; nil
	// means the setting is absent, which is not the same as an empty list
	// (the registration's cache name differs).
	Scopes []string
}

// ParseScopes reads an sso_registration_scopes value as the AWS CLI does:
// comma-separated, blanks trimmed, empty items dropped. It never returns
// nil, since a present setting, even empty, names another registration
// than an absent one.
func ParseScopes(raw string) []string {
	scopes := []string{}
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	return scopes
}

// check refuses a session this package cannot use.
func (s Session) check() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("sso-session has no name")
	case s.StartURL == "":
		return fmt.Errorf("sso-session %q has no sso_start_url", s.Name)
	case s.Region == "":
		return fmt.Errorf("sso-session %q has no sso_region", s.Name)
	}
	if !regionPattern.MatchString(s.Region) {
		return fmt.Errorf("sso-session %q: sso_region %q is not a region such as eu-west-1", s.Name, s.Region)
	}
	return nil
}

// Client talks to IAM Identity Center for awsfed. Its zero value works
// but for CacheDir, which Token, SignIn and Refresh need; the fields are
// its dependencies, set by the caller, and are not changed by its methods.
type Client struct {
	// HTTP carries every request; nil means a client of its own whose
	// answers are bounded by httplimit (size, 30 s).
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CacheDir is the AWS CLI's SSO cache, ~/.aws/sso/cache.
	CacheDir string
	// Getenv reads the environment (endpoints, SSH and display
	// variables); nil means an empty environment.
	Getenv func(string) string
	// Status receives the lines meant for the person: the URL to open,
	// the user code, notes. nil means they are dropped.
	Status io.Writer
	// OpenBrowser opens a URL in the person's browser and returns once it
	// was handed over; nil means there is none, so the sign-in uses the
	// device flow and the person opens the printed URL anywhere.
	OpenBrowser func(url string) error
	// Sleep waits for d or until ctx ends, returning ctx's error then;
	// nil means a timer. Tests replace it to run polling and backoff at
	// once.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) getenv(k string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(k)
}

func (c *Client) status() io.Writer {
	if c.Status == nil {
		return io.Discard
	}
	return c.Status
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Transport: &httplimit.Transport{Base: http.DefaultTransport, Timeout: httplimit.DefaultTimeout}}
}

// oidc returns an sso-oidc client for region. The SDK retries nothing:
// a CreateToken poll or a code exchange must not be sent twice behind the
// caller's back.
func (c *Client) oidc(region string) (*ssooidc.Client, error) {
	endpoint, err := OIDCEndpoint(c.getenv, region)
	if err != nil {
		return nil, err
	}
	return ssooidc.New(ssooidc.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   c.httpClient(),
		Retryer:      aws.NopRetryer{},
	}), nil
}

// regionPattern is a region as an endpoint's host label takes it.
var regionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// dnsSuffix is the domain of region's partition, as the SDK's partition
// table (internal/endpoints/awsrulesfn/partitions.go) has it.
func dnsSuffix(region string) string {
	for _, p := range []struct{ prefix, suffix string }{
		{"cn-", "amazonaws.com.cn"},
		{"eusc-", "amazonaws.eu"},
		{"us-iso-", "c2s.ic.gov"},
		{"us-isob-", "sc2s.sgov.gov"},
		{"us-isof-", "csp.hci.ic.gov"},
		{"eu-isoe-", "cloud.adc-e.uk"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.suffix
		}
	}
	return "amazonaws.com"
}

// OIDCEndpoint returns the sso-oidc endpoint for region as the AWS CLI and
// the Go SDK pick it from the environment: AWS_ENDPOINT_URL_SSO_OIDC, else
// AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true;
// else https://oidc.REGION.amazonaws.com (amazonaws.com.cn in China). The
// browser's /authorize page of the PKCE sign-in is under it too.
func OIDCEndpoint(getenv func(string) string, region string) (string, error) {
	return endpoint(getenv, "AWS_ENDPOINT_URL_SSO_OIDC", "oidc", region)
}

// PortalEndpoint returns the AWS access portal's API endpoint for region,
// as OIDCEndpoint does with AWS_ENDPOINT_URL_SSO; the default is
// https://portal.sso.REGION.amazonaws.com.
func PortalEndpoint(getenv func(string) string, region string) (string, error) {
	return endpoint(getenv, "AWS_ENDPOINT_URL_SSO", "portal.sso", region)
}

func endpoint(getenv func(string) string, variable, host, region string) (string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		// The service's own variable first, then the generic one (the Go
		// SDK's resolveBaseEndpoint in service/ssooidc/endpoints.go).
		for _, v := range []string{variable, "AWS_ENDPOINT_URL"} {
			if e := getenv(v); e != "" {
				u, err := url.Parse(e)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return "", fmt.Errorf("%s=%q is not an endpoint URL such as https://%s.eu-west-1.amazonaws.com", v, e, host)
				}
				return strings.TrimRight(e, "/"), nil
			}
		}
	}
	if !regionPattern.MatchString(region) {
		return "", fmt.Errorf("%q is not a region such as eu-west-1", region)
	}
	return "https://" + host + "." + region + "." + dnsSuffix(region), nil
}

// hasDisplay reports whether a browser opened here would be seen by the
// person: not over SSH, and on Unix other than macOS an X11 or Wayland
// display is set.
func (c *Client) hasDisplay() bool {
	if c.getenv("SSH_CONNECTION") != "" || c.getenv("SSH_TTY") != "" {
		return false
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return c.getenv("DISPLAY") != "" || c.getenv("WAYLAND_DISPLAY") != ""
}
