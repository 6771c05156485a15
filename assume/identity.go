package assume

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// CallerARN asks STS (GetCallerIdentity, which needs no MFA and no
// permission) which ARN c act as, giving up after timeout. Its error is
// the SDK's: callers say what it means for them.
func CallerARN(ctx context.Context, o ClientOptions, c Credentials, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := NewSignedClient(o, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}
