package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

func newDBCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Create and upgrade the database schema, prune old history",
		Long: `The database schema is versioned: every pfsnotify release knows the
migrations it needs. Run "pfsnotify db migrate" after installing or upgrading;
serve-panel, serve-twiml, invoke, calendar-sync and the admin commands refuse
to run on a schema that is behind. "pfsnotify db prune" deletes finished
history older than the retention periods (calendar-sync does a little of it
after each run).`,
	}
	cmd.AddCommand(newDBMigrateCmd(a), newDBStatusCmd(a), newDBPruneCmd(a))
	return cmd
}

type dbMigrateOptions struct{}

func newDBMigrateCmd(a *app) *cobra.Command {
	var opts dbMigrateOptions
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply every pending migration",
		Long: `Apply every pending migration, in order. Safe to run again: with nothing
pending it changes nothing. On SQLite it creates the database file.`,
		Example: `  pfsnotify db migrate
  PFSNOTIFY_DATABASE_DRIVER=mysql PFSNOTIFY_DATABASE_DSN='pfsnotify:secret@tcp(127.0.0.1:3306)/pfsnotify' pfsnotify db migrate`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDBMigrate(cmd.Context(), a, opts)
		},
	}
}

func runDBMigrate(ctx context.Context, a *app, _ dbMigrateOptions) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	for _, m := range applied {
		a.printf("applied %s", m.Name)
	}
	if err != nil {
		return err
	}
	all, err := s.Migrations(ctx)
	if err != nil {
		return err
	}
	version := int64(0)
	if len(all) > 0 {
		version = all[len(all)-1].Version
	}
	if len(applied) == 0 {
		a.printf("schema is up to date (version %d, %s)", version, s.Dialect())
		return nil
	}
	a.printf("schema migrated to version %d (%s)", version, s.Dialect())
	return nil
}

type dbStatusOptions struct{ output outputFormat }

func newDBStatusCmd(a *app) *cobra.Command {
	var opts dbStatusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List migrations, applied and pending",
		Example: `  pfsnotify db status
  pfsnotify db status -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDBStatus(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type migrationJSON struct {
	Version   int64      `json:"version"`
	Name      string     `json:"name"`
	Applied   bool       `json:"applied"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

func runDBStatus(ctx context.Context, a *app, opts dbStatusOptions) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.Migrations(ctx)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]migrationJSON, 0, len(all))
		for _, m := range all {
			j := migrationJSON{Version: m.Version, Name: m.Name, Applied: m.Applied}
			if m.Applied {
				at := m.AppliedAt.UTC()
				j.AppliedAt = &at
			}
			out = append(out, j)
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"VERSION", "NAME", "STATE", "APPLIED AT (UTC)"}}
	pending := 0
	for _, m := range all {
		state, at := "pending", ""
		if m.Applied {
			state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		} else {
			pending++
		}
		t.add(itoa(m.Version), m.Name, state, at)
	}
	if err := t.print(a.stdout); err != nil {
		return err
	}
	if pending > 0 {
		a.printf("%d pending: run \"pfsnotify db migrate\"", pending)
	}
	return nil
}
