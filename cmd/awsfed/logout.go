package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/sso"
)

// logoutOptions are the inputs of logout.
type logoutOptions struct {
	deps    *Deps
	profile string
}

func newLogoutCmd(deps *Deps, runF func(context.Context, *logoutOptions) error) *cobra.Command {
	opts := &logoutOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile's stored credentials and its kept IdP session",
		Long: `Sign out of a profile: remove the temporary credentials stored in its section
of the AWS credentials file (the section too, when nothing else is left in
it; comments stay), and delete the Google session kept between logins for its
user, so that the next login asks for the password and second factor again.
For an IAM Identity Center profile, end the portal session and delete the
session's cached token, as aws sso logout does: every profile of that
sso-session, the AWS CLI's too, then signs in again.

The profile's settings in the AWS config file (the awsfed_* keys and region of
[profile NAME]) are kept: logout signs out, it does not forget the
configuration, and "awsfed login" signs in again with them.

Long-term access keys (a section without a session token) were not written by
a login, and logout refuses to remove them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.profile, "profile", "", `profile to log out of (default: AWS_PROFILE if it names an awsfed profile or a chain built on one, else "sts")`)
	return cmd
}

func runLogout(ctx context.Context, o *logoutOptions) error {
	g, err := loadGraph(o.deps)
	if err != nil {
		return fmt.Errorf("nothing was removed: %w", err)
	}
	name, err := g.LoginName(o.profile, envProfile(o.deps.Getenv))
	if err != nil {
		return err
	}
	paths := g.Paths()
	in := newInputs(o.deps, signin.Flags{}, sso.Flags{}, true)
	defer in.Signer.Close()

	var removed []string
	_, err = renew.Remove(ctx, o.deps.Streams.ErrOut, g.Lookup(name), paths, cacheDir(o.deps), func(creds bool) error {
		if creds {
			removed = append(removed, "its credentials")
		}
		forgot, err := sources.Forget(ctx, in, g, name)
		removed = append(removed, forgot...)
		if err != nil && creds {
			return fmt.Errorf("removed the credentials of profile %s, but: %w", name, err)
		}
		return err
	})
	if err != nil {
		return err
	}

	if len(removed) == 0 {
		fmt.Fprintf(o.deps.Streams.ErrOut, "Nothing to remove for profile %s.\n", name)
		return nil
	}
	fmt.Fprintf(o.deps.Streams.ErrOut, "Logged out of profile %s: removed %s.\n", name, strings.Join(removed, " and "))
	return nil
}
