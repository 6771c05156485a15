package sso

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

// The device flow's timing (RFC 8628 §3.5; botocore SSOTokenFetcher).
const (
	defaultInterval = 5 * time.Second
	slowDownDelay   = 5 * time.Second
)

// deviceSignIn runs the device authorization grant: the person opens the
// verification URL anywhere and approves the code shown here.
func (c *Client) deviceSignIn(ctx context.Context, api oidcAPI, s Session) (*Token, error) {
	r, err := c.registration(ctx, api, s, false)
	if err != nil {
		return nil, err
	}
	auth, err := api.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId:     aws.String(r.ClientID),
		ClientSecret: aws.String(r.ClientSecret),
		StartUrl:     aws.String(s.StartURL),
	})
	if err != nil {
		return nil, c.oidcError(ctx, s, "StartDeviceAuthorization", false, err, r.ClientSecret)
	}
	deviceCode := aws.ToString(auth.DeviceCode)
	secrets := []string{r.ClientSecret, deviceCode}
	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = defaultInterval
	}
	// IAM Identity Center says when the code ends; the CLI polls until it
	// says so, which a server that never does would make endless.
	var deadline time.Time
	if auth.ExpiresIn > 0 {
		deadline = c.now().Add(time.Duration(auth.ExpiresIn) * time.Second)
	}

	in := &ssooidc.CreateTokenInput{
		GrantType:    aws.String("urn:ietf:params:oauth:grant-type:device_code"),
		ClientId:     aws.String(r.ClientID),
		ClientSecret: aws.String(r.ClientSecret),
		DeviceCode:   aws.String(deviceCode),
	}
	for attempt := 0; ; attempt++ {
		if attempt == 1 {
			// Like the CLI, one try before asking the person: a client
			// may be approved already.
			c.showDeviceCode(s, aws.ToString(auth.VerificationUriComplete), aws.ToString(auth.VerificationUri), aws.ToString(auth.UserCode))
		}
		if attempt > 0 {
			if !deadline.IsZero() && !c.now().Before(deadline) {
				return nil, ErrSignInExpired
			}
			if err := c.sleep(ctx, interval); err != nil {
				return nil, fmt.Errorf("sign-in to IAM Identity Center: %w", err)
			}
		}
		out, err := api.CreateToken(ctx, in)
		if err == nil {
			return c.newToken(s, r, out)
		}
		switch errorCode(err) {
		case "AuthorizationPendingException":
			continue
		case "SlowDownException":
			interval += slowDownDelay
			continue
		case "ExpiredTokenException":
			return nil, ErrSignInExpired
		}
		return nil, c.oidcError(ctx, s, "CreateToken", false, err, secrets...)
	}
}

// showDeviceCode tells the person where to approve the sign-in, in one
// line, and opens that page when a browser here would be seen.
func (c *Client) showDeviceCode(s Session, complete, uri, code string) {
	if complete == "" {
		complete = uri
	}
	fmt.Fprintf(c.status(), "To sign in to IAM Identity Center (sso-session %s), open %s and check that it shows the code %s\n", s.Name, complete, code)
	if c.OpenBrowser != nil && c.hasDisplay() {
		if err := c.OpenBrowser(complete); err != nil {
			fmt.Fprintf(c.status(), "awsfed: note: could not open a browser (%v); open the URL above by hand\n", err)
		}
	}
}
