package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/ui"
)

func newRolesCmd(deps *Deps, runF func(context.Context, *loginOptions) error) *cobra.Command {
	opts := &loginOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "List the roles the IdP grants, without assuming any",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRoles(cmd.Context(), opts)
		},
	}
	addIdPFlags(cmd, &opts.flags, &opts.sso, &opts.json)
	return cmd
}

func runRoles(ctx context.Context, o *loginOptions) error {
	g, name, err := o.profile()
	if err != nil {
		return err
	}
	in := newInputs(o.deps, o.flags, o.sso, false)
	defer in.Signer.Close()
	grants, err := sources.Grants(ctx, in, g, name)
	if err != nil {
		return err
	}
	out := o.deps.Streams.Out
	if o.json {
		if grants == nil {
			grants = []sources.Grant{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(grants)
	}
	last := ""
	for _, e := range grants {
		if e.AccountID != last {
			fmt.Fprintf(out, "Account %s\n", ui.AccountLabel(e.AccountID, e.AccountName))
			last = e.AccountID
		}
		if e.RoleARN == "" { // IAM Identity Center does not say it
			fmt.Fprintf(out, "  %s\n", e.RoleName)
			continue
		}
		fmt.Fprintf(out, "  %-24s %s\n", e.RoleName, e.RoleARN)
	}
	return nil
}
