package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
)

type versionOptions struct {
	output outputFormat
}

func newVersionCmd(a *app) *cobra.Command {
	var opts versionOptions
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print pfsnotify's version, commit, build date and Go version",
		Long: `Print which pfsnotify this is: its version (a release tag or a Go
pseudo-version), the commit it was built from ("+dirty" when the checkout had
uncommitted changes), the build date (set at link time by packagers; else the
commit's date) and the Go version that built it. The same is in the servers'
/healthz answer and in the pfsnotify_build_info metric.

It reads no configuration and needs no database. "pfsnotify --version" prints
the same line.`,
		Example: `  pfsnotify version
  pfsnotify version -o json | jq -r .commit`,
		Args: noArgs,
		// No configuration: version must answer even when the config is broken.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVersion(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runVersion(_ context.Context, a *app, opts versionOptions) error {
	info := buildinfo.Read()
	if opts.output == "json" {
		return printJSON(a.stdout, info)
	}
	a.printf("%s", info)
	return nil
}
