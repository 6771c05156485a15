package assume

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/internal/httplimit"
)

// ClientOptions says where NewClient's STS client sends its requests.
type ClientOptions struct {
	// Region is the STS region, e.g. from --region or the profile; the
	// caller picks a default with DefaultRegion. Empty means us-east-1.
	Region string
	// Endpoint replaces the regional STS endpoint when set; the caller
	// passes AWS_ENDPOINT_URL_STS here.
	Endpoint string
	// HTTPClient carries every request; nil means the SDK's own client.
	HTTPClient *http.Client
	// OneAttempt sends each request once, never retried: a request that
	// carries a one-time MFA code must not send it twice, since STS
	// refuses a code it has seen.
	OneAttempt bool
}

// NewClient returns an STS client for AssumeRoleWithSAML built from o alone.
// It reads no environment variable, no ~/.aws file and no credentials: the
// client has anonymous credentials, so its requests are never signed, and a
// broken AWS_PROFILE or config file cannot stop a login. Requests that fail
// with a connection error or a 5xx answer are retried by the SDK's standard
// retryer (three attempts); client errors (4xx) other than throttling are
// not.
func NewClient(o ClientOptions) *sts.Client {
	return sts.New(o.stsOptions(aws.AnonymousCredentials{}))
}

// stsOptions are the client options for o, with creds signing requests.
func (o ClientOptions) stsOptions(creds aws.CredentialsProvider) sts.Options {
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := sts.Options{
		Region:      region,
		Credentials: creds,
		// The standard retryer (three attempts), but a request that ran
		// out of time (httplimit) is not tried again: the server is not
		// answering, and the person waits.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				var te *httplimit.TimeoutError
				if errors.As(err, &te) {
					return aws.FalseTernary
				}
				return aws.UnknownTernary
			})}, o.Retryables...)
		}),
	}
	if o.OneAttempt {
		opts.Retryer = retry.AddWithMaxAttempts(opts.Retryer, 1)
	}
	if o.Endpoint != "" {
		opts.BaseEndpoint = aws.String(o.Endpoint)
	}
	if o.HTTPClient != nil {
		opts.HTTPClient = o.HTTPClient
	}
	return opts
}

// DefaultRegion returns the region whose STS endpoint is always active in
// roleARN's partition: cn-north-1 for aws-cn, us-gov-west-1 for aws-us-gov,
// and us-east-1 for aws and anything it does not recognise.
func DefaultRegion(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 3)
	if len(parts) < 2 || parts[0] != "arn" {
		return "us-east-1"
	}
	switch parts[1] {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	default:
		return "us-east-1"
	}
}

// CheckEndpoint refuses an STS endpoint that is no absolute http or https
// URL, naming the variable it came from.
func CheckEndpoint(variable, endpoint string) error {
	u, err := url.Parse(endpoint)
	if endpoint == "" || err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return nil
	}
	return fmt.Errorf("%s=%q is not an endpoint URL such as https://sts.eu-west-1.amazonaws.com", variable, endpoint)
}

// EndpointFromEnv returns the STS endpoint the AWS CLI would use from the
// environment (AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), or "" for AWS's own.
func EndpointFromEnv(getenv func(string) string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if v := getenv("AWS_ENDPOINT_URL_STS"); v != "" {
		return v
	}
	return getenv("AWS_ENDPOINT_URL")
}
