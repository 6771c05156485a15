package main

import (
	"github.com/spf13/cobra"
)

// newConfigureCmd is the parent of the commands that write profiles.
func newConfigureCmd(deps *Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "configure",
		Short: "Write or update profiles in the AWS config file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newConfigureCredentialProcessCmd(deps, nil), newConfigureChainCmd(deps, nil), newConfigureSSOCmd(deps, nil), newConfigureIAMUserCmd(deps, nil))
	return cmd
}
