package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/iamuser"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// configureIAMUserOptions are the inputs of configure iam-user.
type configureIAMUserOptions struct {
	deps        *Deps
	profile     string
	accessKeyID string
	secretStdin bool
	moveKeys    bool
	mfaSerial   string
	region      string
	noVerify    bool
}

func newConfigureIAMUserCmd(deps *Deps, runF func(context.Context, *configureIAMUserOptions) error) *cobra.Command {
	opts := &configureIAMUserOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "iam-user --profile NAME (--access-key-id AKIA… [--secret-stdin] | --move-keys) [--mfa-serial ARN]",
		Short: "Keep an IAM user's access keys in the OS keyring and make NAME log in with them and MFA",
		Long: `Store an IAM user's long-term access keys in the OS keyring (never in a file)
and write [profile NAME] of the AWS config file:

  awsfed_idp = iam-user
  awsfed_username = NAME       (the IAM user's, from STS: its roles' session name)
  awsfed_mfa_serial = ARN      (--mfa-serial: the user's MFA device)
  region = REGION              (--region)

"awsfed login --profile NAME" then asks for an MFA code (or computes it from
AWSFED_TOTP_SECRET or awsfed_totp_secret_command) and writes temporary
credentials into [NAME] of the credentials file: GetSessionToken, or, with
--role-arn on the login, AssumeRole with MFA.

The secret is read from standard input with --secret-stdin (one line), else
asked at the terminal. --move-keys takes the long-term keys that [NAME] of the
credentials file holds instead, and removes them from the file once the
keyring holds them (the section's other keys and comments stay).

The keys are checked with STS first (GetCallerIdentity, which needs no MFA;
--no-verify skips it): keys STS refuses are not stored. Running it again
replaces the stored keys, as after rotating them.`,
		Example: `  awsfed configure iam-user --profile base --access-key-id AKIAIOSFODNN7EXAMPLE \
      --mfa-serial arn:aws:iam::111111111111:mfa/alice --secret-stdin < secret.txt
  awsfed configure iam-user --profile base --move-keys --mfa-serial arn:aws:iam::111111111111:mfa/alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigureIAMUser(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", "the profile to log in with the keys (required)")
	fl.StringVar(&opts.accessKeyID, "access-key-id", "", "the IAM user's access key id (AKIA…)")
	fl.BoolVar(&opts.secretStdin, "secret-stdin", false, "read the secret access key from standard input (one line)")
	fl.BoolVar(&opts.moveKeys, "move-keys", false, "move the long-term keys in [NAME] of the credentials file into the keyring")
	fl.StringVar(&opts.mfaSerial, "mfa-serial", "", "the ARN of the user's MFA device, e.g. arn:aws:iam::111111111111:mfa/alice")
	fl.StringVar(&opts.region, "region", "", "written as region: the STS region of logins")
	fl.BoolVar(&opts.noVerify, "no-verify", false, "store the keys without asking STS whether it takes them")
	return cmd
}

func runConfigureIAMUser(ctx context.Context, o *configureIAMUserOptions) error {
	switch {
	case o.profile == "":
		return usagef("pass --profile NAME, the profile to log in with the keys; nothing was changed")
	case o.moveKeys && (o.accessKeyID != "" || o.secretStdin):
		return usagef("pass --access-key-id (with --secret-stdin) or --move-keys, not both; nothing was changed")
	case !o.moveKeys && o.accessKeyID == "":
		return usagef("pass --access-key-id AKIA… (the secret on standard input with --secret-stdin), or --move-keys to take the keys in [%s] of the credentials file; nothing was changed", o.profile)
	}
	if err := profile.CheckName(o.profile); err != nil {
		return err
	}
	g, err := loadGraph(o.deps)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	p := g.Lookup(o.profile)
	if p.IsAWSFed() && !iamuser.Uses("", g, o.profile) {
		return usagef("profile %s logs in through %s, not as an IAM user: pick another --profile; nothing was changed", o.profile, p.Config(profile.KeyIdP))
	}
	if p.Config(profile.KeyRoleARN) != "" || p.Config(profile.KeySSOSession) != "" || p.Config(profile.KeyCredentialProcess) != "" {
		return usagef("profile %s gets its credentials elsewhere (role_arn, sso_session or credential_process in %s): pick another --profile; nothing was changed", o.profile, profile.Where(o.profile, g.Paths().Config))
	}
	// Resolve checks the device, the region and any saved role or
	// duration before anything is stored.
	s, err := iamuser.Resolve(iamuser.Flags{MFASerial: o.mfaSerial, Region: o.region}, g, o.profile)
	if err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	fileKeys, hasFileKeys := p.Credentials()
	longTerm := hasFileKeys && fileKeys.SessionToken == ""
	var keys iamuser.Keys
	if o.moveKeys {
		if !longTerm {
			return usagef("[%s] of %s holds no long-term access keys to move; nothing was changed", o.profile, g.Paths().Credentials)
		}
		keys = iamuser.Keys{AccessKeyID: fileKeys.AccessKeyID, SecretAccessKey: fileKeys.SecretAccessKey}
	} else {
		if longTerm {
			return usagef("[%s] of %s holds long-term access keys, which the AWS CLI would use instead of awsfed's: pass --move-keys to move them into the keyring, or remove them; nothing was changed", o.profile, g.Paths().Credentials)
		}
		secret, err := o.secret(ctx)
		if err != nil {
			return err
		}
		keys = iamuser.Keys{AccessKeyID: strings.TrimSpace(o.accessKeyID), SecretAccessKey: secret}
	}
	if err := keys.Check(); err != nil {
		return usagef("%v; nothing was changed", err)
	}
	errOut := o.deps.Streams.ErrOut
	user := ""
	if !o.noVerify {
		if user, err = iamuser.Verify(ctx, assume.ClientOptions{Region: s.Region, Endpoint: assume.EndpointFromEnv(o.deps.Getenv),
			HTTPClient: &http.Client{Transport: transport(o.deps)()}}, keys); err != nil {
			return fmt.Errorf("%w; nothing was changed", err)
		}
	}
	if _, name, ok := userParts(user); ok {
		s.Username = name
	}
	if o.deps.Keyring == nil {
		return errors.New("no OS keyring on this system, and awsfed keeps an IAM user's access keys nowhere else; nothing was changed")
	}
	if err := iamuser.SaveKeys(ctx, o.deps.Keyring, o.profile, keys); err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	if changes := s.Changes(); len(changes) > 0 {
		notes, err := awsconfig.Update(g.Paths().Config, changes, awsconfig.UpdateOptions{})
		ui.Notes(errOut, notes...)
		if err != nil {
			return fmt.Errorf("the keys are in the keyring, but [profile %s] was not written: %w; run the command again", o.profile, err)
		}
	}
	if o.moveKeys {
		_, notes, err := awsconfig.RemoveCredentials(g.Paths().Credentials, o.profile)
		ui.Notes(errOut, notes...)
		if err != nil {
			return fmt.Errorf("the keys are in the keyring and [profile %s] is written, but they are still in %s: %w; remove them by hand", o.profile, g.Paths().Credentials, err)
		}
	}
	who := keys.AccessKeyID
	if user != "" {
		who += " of " + user
	}
	fmt.Fprintf(errOut, "Stored the access key %s in the OS keyring for profile %s", who, o.profile)
	if o.moveKeys {
		fmt.Fprintf(errOut, " and removed it from %s", g.Paths().Credentials)
	}
	fmt.Fprintf(errOut, "; log in with: awsfed login --profile %s\n", o.profile)
	if s.MFASerial == "" {
		hint := "the user's virtual MFA device, as IAM shows it under Security credentials"
		if acct, name, ok := userParts(user); ok {
			hint = "usually arn:aws:iam::" + acct + ":mfa/" + name
		}
		ui.Notes(errOut, "no --mfa-serial: logins get sessions without MFA, which cannot call IAM and most of STS; pass --mfa-serial ("+hint+")")
	}
	return nil
}

// secret reads the secret access key: from standard input with
// --secret-stdin, else at the terminal.
func (o *configureIAMUserOptions) secret(ctx context.Context) (string, error) {
	if o.secretStdin {
		line, err := bufio.NewReader(o.deps.Streams.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the secret access key from standard input: %w; nothing was changed", err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return "", usagef("--secret-stdin: standard input held no secret access key; nothing was changed")
		}
		return line, nil
	}
	if !o.deps.Streams.CanPrompt() {
		return "", &ui.InputNeededError{What: "the secret access key", Hint: "pass it on standard input with --secret-stdin"}
	}
	p, err := o.deps.Prompter()
	if err != nil {
		return "", err
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	secret, err := p.Password(ctx, "Secret access key of "+o.accessKeyID+": ")
	return strings.TrimSpace(secret), err
}

// userParts splits an IAM user's ARN into its account and name.
func userParts(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "user/") {
		return "", "", false
	}
	path := parts[5][len("user/"):]
	return parts[4], path[strings.LastIndexByte(path, '/')+1:], true
}
