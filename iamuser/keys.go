package iamuser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/profile"
)

// Keyring is where the long-term keys live: the OS keyring, through
// internal/keyring, which gives up after a few seconds rather than hang.
// Get returns an error wrapping keyring.ErrNotFound when there is no item.
type Keyring interface {
	Get(ctx context.Context, user string) (string, error)
	Set(ctx context.Context, user, secret string) error
	Delete(ctx context.Context, user string) error
}

// Keys are an IAM user's long-term access keys. String leaves the secret
// out, so that printing Keys by mistake shows none.
type Keys struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

func (k Keys) String() string { return "IAM user access key " + k.AccessKeyID }

// GoString is String, so that %#v shows no secret either.
func (k Keys) GoString() string { return k.String() }

var (
	longTermKeyID = regexp.MustCompile(`^AKIA[A-Z0-9]{12,124}$`)
	anyKeyID      = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// Check refuses keys that are not an IAM user's long-term keys. Its
// messages hold no secret.
func (k Keys) Check() error {
	switch {
	case k.AccessKeyID == "":
		return errors.New("the access key id is empty")
	case len(k.AccessKeyID) > 4 && k.AccessKeyID[:4] == "ASIA":
		return fmt.Errorf("%s is a temporary key (ASIA…), which expires: store the IAM user's long-term key (AKIA…)", k.AccessKeyID)
	case !anyKeyID.MatchString(k.AccessKeyID):
		return fmt.Errorf("%q is not an access key id such as AKIAIOSFODNN7EXAMPLE", k.AccessKeyID)
	case !longTermKeyID.MatchString(k.AccessKeyID):
		return fmt.Errorf("%s is not an IAM user's long-term access key id (AKIA…)", k.AccessKeyID)
	case len(k.SecretAccessKey) < 16 || len(k.SecretAccessKey) > 128:
		return fmt.Errorf("the secret access key of %s is %d characters long; AWS's are 40", k.AccessKeyID, len(k.SecretAccessKey))
	}
	for _, r := range k.SecretAccessKey {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("the secret access key of %s holds a space or a character that is not printable ASCII", k.AccessKeyID)
		}
	}
	return nil
}

// keyringHint says what to do when the keyring cannot be used.
const keyringHint = "awsfed keeps them nowhere else: run it where the keyring runs (a desktop session, or a Secret Service such as gnome-keyring-daemon started in this one)"

// LoadKeys reads profile name's long-term keys from kr. No item is a
// *profile.ConfigError saying how to store them; a keyring that cannot be
// used is its own error, with what to do.
func LoadKeys(ctx context.Context, kr Keyring, name string) (Keys, error) {
	if kr == nil {
		return Keys{}, errors.New("no OS keyring on this system, and awsfed keeps an IAM user's access keys nowhere else")
	}
	raw, err := kr.Get(ctx, KeyringItem(name))
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return Keys{}, profile.Errorf("the OS keyring holds no access keys for profile %s: store them with awsfed configure iam-user --profile %s --access-key-id AKIA… --secret-stdin", name, name)
	case err != nil:
		return Keys{}, fmt.Errorf("read the access keys of profile %s from the OS keyring: %w; %s", name, err, keyringHint)
	}
	var k Keys
	if err := json.Unmarshal([]byte(raw), &k); err != nil || k.Check() != nil {
		return Keys{}, profile.Errorf("the OS keyring item %s is not access keys awsfed stored: store them again with awsfed configure iam-user --profile %s", KeyringItem(name), name)
	}
	return k, nil
}

// SaveKeys stores k as profile name's long-term keys in kr.
func SaveKeys(ctx context.Context, kr Keyring, name string, k Keys) error {
	raw, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := kr.Set(ctx, KeyringItem(name), string(raw)); err != nil {
		return fmt.Errorf("store the access keys of profile %s in the OS keyring: %w; %s", name, err, keyringHint)
	}
	return nil
}

// Verify asks STS (GetCallerIdentity, which needs no MFA) whom k belong
// to, through the client options o, and returns the user's ARN. A refusal
// is an error naming the key id and STS's code, never the secret.
func Verify(ctx context.Context, o assume.ClientOptions, k Keys) (string, error) {
	arn, err := assume.CallerARN(ctx, o, assume.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, 10*time.Second)
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		return "", &VerifyError{KeyID: k.AccessKeyID, Code: ae.ErrorCode()}
	case err != nil:
		if endpoint, cause, ok := assume.Unreachable(err); ok {
			return "", fmt.Errorf("could not reach STS at %s to check the access key %s: %s; check the network and AWS_ENDPOINT_URL_STS, or pass --no-verify", endpoint, k.AccessKeyID, cause)
		}
		return "", fmt.Errorf("check the access key %s with STS: %w", k.AccessKeyID, err)
	}
	return arn, nil
}

// VerifyError reports that STS refused an access key. Callers map it to
// exit code 5 (AWS refused).
type VerifyError struct {
	KeyID, Code string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("STS does not accept the access key %s (%s): check the key id and the secret, and that the key is active in IAM", e.KeyID, e.Code)
}

// AWSRefused reports that AWS refused the request.
func (e *VerifyError) AWSRefused() bool { return true }
