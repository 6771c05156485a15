// Package federation builds AWS console sign-in URLs from temporary
// credentials through AWS's federation endpoint, as a custom identity broker
// does: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html
//
// The request for a sign-in token carries the secret key and the session
// token, and the sign-in token is itself a bearer credential for 15
// minutes: nothing in this package logs them, and no error it returns
// holds them.
package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// Issuer is the name the console shows as the sign-in's origin.
const Issuer = "awsfed"

// Partition is an AWS partition's console and sign-in hosts.
type Partition struct {
	// ID is the partition's name in ARNs: aws, aws-cn, aws-us-gov.
	ID string
	// Signin is the host of the federation endpoint.
	Signin string
	// Console is the host of the console; a region's console is the
	// region's subdomain of it.
	Console string
}

var partitions = []Partition{
	{ID: "aws", Signin: "signin.aws.amazon.com", Console: "console.aws.amazon.com"},
	{ID: "aws-cn", Signin: "signin.amazonaws.cn", Console: "console.amazonaws.cn"},
	{ID: "aws-us-gov", Signin: "signin.amazonaws-us-gov.com", Console: "console.amazonaws-us-gov.com"},
}

// PartitionFor returns the partition of arn (arn:PARTITION:...); when arn
// names none, the partition of region (cn-*, us-gov-*), else aws.
func PartitionFor(arn, region string) Partition {
	id := ""
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" {
		id = parts[1]
	}
	if id == "" {
		switch {
		case strings.HasPrefix(region, "cn-"):
			id = "aws-cn"
		case strings.HasPrefix(region, "us-gov-"):
			id = "aws-us-gov"
		}
	}
	for _, p := range partitions {
		if p.ID == id {
			return p
		}
	}
	return partitions[0]
}

// FederationURL is the partition's federation endpoint.
func (p Partition) FederationURL() string { return "https://" + p.Signin + "/federation" }

// Destination is the console page to open: the console's home page in
// region, or the console's front page when region is "".
func (p Partition) Destination(region string) string {
	if region == "" {
		return "https://" + p.Console + "/"
	}
	return "https://" + region + "." + p.Console + "/console/home?region=" + url.QueryEscape(region)
}

// Credentials are the temporary credentials to sign in with; only the
// keys and the session token are sent.
type Credentials = awsconfig.Credentials

// Error reports that the federation endpoint gave no sign-in token. Its
// text never holds the credentials or a token.
type Error struct {
	// StatusCode is the HTTP status of an answer that was not 200, 0 if
	// there was no such answer: then AWS did not refuse the request.
	StatusCode int
	Reason     string
}

func (e *Error) Error() string { return e.Reason }

// UserSessionError reports credentials of an IAM user's session
// (GetSessionToken), which the federation endpoint does not take: only a
// role's (AssumeRole*) or a federated user's sign in to the console. It is
// a usage mistake (exit 2); nothing is sent.
type UserSessionError struct{ PrincipalARN string }

func (e *UserSessionError) Error() string {
	return fmt.Sprintf("the AWS console takes a role's credentials, and these are a session of the IAM user %s, which its sign-in refuses: open the console with a profile chained on this one (role_arn + source_profile), or log in to it with --role-arn", e.PrincipalARN)
}

// ConfigMistake reports that the person picked the wrong profile.
func (e *UserSessionError) ConfigMistake() bool { return true }

// SigninToken asks the federation endpoint (a URL such as
// Partition.FederationURL) for a sign-in token for c. The request is a GET,
// as AWS requires, so the credentials travel in its query; c never appears
// in the error, which names the endpoint's host only. Redirects are not
// followed.
func SigninToken(ctx context.Context, client *http.Client, endpoint string, c Credentials) (string, error) {
	if strings.Contains(c.PrincipalARN, ":user/") {
		return "", &UserSessionError{PrincipalARN: c.PrincipalARN}
	}
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" {
		return "", &Error{Reason: fmt.Sprintf("the federation endpoint %q is not an absolute URL", endpoint)}
	}
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", err
	}
	q := base.Query()
	q.Set("Action", "getSigninToken")
	q.Set("Session", string(session))
	u := *base
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", &Error{Reason: fmt.Sprintf("cannot build the request to the AWS sign-in endpoint %s", base.Host)}
	}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Do(req)
	if ctx.Err() != nil {
		return "", ctx.Err() // cancelled: no message of our own
	}
	if err != nil {
		return "", &Error{Reason: fmt.Sprintf("cannot reach the AWS sign-in endpoint %s: %s", base.Host, cause(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", &Error{Reason: fmt.Sprintf("reading the answer of the AWS sign-in endpoint %s: %s", base.Host, cause(err))}
	}
	if resp.StatusCode != http.StatusOK {
		return "", &Error{StatusCode: resp.StatusCode, Reason: fmt.Sprintf("the AWS sign-in endpoint %s refused a console sign-in token (HTTP %d); the credentials may have expired or been revoked, or the role may not allow console sign-in",
			base.Host, resp.StatusCode)}
	}
	var answer struct{ SigninToken string }
	if err := json.Unmarshal(body, &answer); err != nil || answer.SigninToken == "" {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		return "", &Error{Reason: fmt.Sprintf("the AWS sign-in endpoint %s answered without a sign-in token (%s, %d bytes, not the JSON {\"SigninToken\": ...}); is AWSFED_SIGNIN_FEDERATION_URL right?",
			base.Host, orUnknown(ct), len(body))}
	}
	return answer.SigninToken, nil
}

// LoginURL is the URL that signs a browser into the console with token and
// opens destination. It holds the token: a bearer credential for 15
// minutes.
func (p Partition) LoginURL(destination, token string) string {
	return p.FederationURL() + "?" + url.Values{
		"Action":      {"login"},
		"Issuer":      {Issuer},
		"Destination": {destination},
		"SigninToken": {token},
	}.Encode()
}

// cause is err without the request's URL, which holds the credentials.
func cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func orUnknown(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}
