package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newRootCmd(deps *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "awsfed",
		Short: "Sign into your company's identity provider and get AWS credentials",
		Long: `awsfed signs into a SAML 2.0 identity provider from the terminal (password and
one-time codes), calls STS AssumeRoleWithSAML and writes a profile into the AWS
CLI's files that role_arn + source_profile profiles build on.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = versionString(debug.ReadBuildInfo())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usagef("%s; see awsfed --help", err)
	})
	root.AddCommand(newLoginCmd(deps, nil), newRolesCmd(deps, nil), newLogoutCmd(deps, nil), newStatusCmd(deps, nil),
		newCredentialProcessCmd(deps, nil), newConfigureCmd(deps))
	root.AddCommand(newExecCmd(deps, nil), newEnvCmd(deps, nil), newConsoleCmd(deps, nil))
	return root
}
