package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/signin"
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
	addIdPFlags(cmd, &opts.flags, &opts.json)
	return cmd
}

// roleEntry is one role as `roles --json` prints it.
type roleEntry struct {
	AccountID    string `json:"account_id"`
	AccountAlias string `json:"account_alias,omitempty"`
	RoleName     string `json:"role_name"`
	RoleARN      string `json:"role_arn"`
	PrincipalARN string `json:"principal_arn"`
}

func runRoles(ctx context.Context, o *loginOptions) error {
	g, name, err := o.profile()
	if err != nil {
		return err
	}
	s, err := signin.Resolve(o.flags, o.deps.Getenv, g, name)
	if err != nil {
		return err
	}
	signer := newSigner(o.deps, o.flags, false)
	defer signer.Close()
	a, err := signer.SignIn(ctx, s)
	if err != nil {
		return err
	}
	aliases := signer.Aliases(ctx, a)
	entries := make([]roleEntry, 0, len(a.Roles))
	for _, r := range a.Roles {
		entries = append(entries, roleEntry{AccountID: r.AccountID(), AccountAlias: aliases[r.AccountID()],
			RoleName: r.Name(), RoleARN: r.RoleARN, PrincipalARN: r.PrincipalARN})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].AccountID < entries[j].AccountID })
	out := o.deps.Streams.Out
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	last := ""
	for _, e := range entries {
		if e.AccountID != last {
			fmt.Fprintf(out, "Account %s\n", signin.AccountLabel(e.AccountID, aliases))
			last = e.AccountID
		}
		fmt.Fprintf(out, "  %-24s %s\n", e.RoleName, e.RoleARN)
	}
	return nil
}
