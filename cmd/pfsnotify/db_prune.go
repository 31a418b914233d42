package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type dbPruneOptions struct {
	dryRun bool
	output outputFormat
}

func newDBPruneCmd(a *app) *cobra.Command {
	var opts dbPruneOptions
	cmd := &cobra.Command{
		Use:   "prune [--dry-run] [-o json]",
		Short: "Delete finished history older than the retention periods",
		Long: `Delete what the database no longer needs, by the retention section of the
configuration (400 days each by default; 0 keeps for ever):

  retention.deliveries  finished reminders (sent, failed, cancelled, answered,
                        acknowledged) not changed for that long, with their
                        delivery log and call progress; they leave the inbox
  retention.events      events that ended that long ago, with their
                        registrations that have no reminder left, and past
                        ad-hoc registrations without reminders

A registration of a deleted event that still has reminders (kept by
retention.deliveries) stays, without its event, until they go. Never deleted:
users, rules, calendars, push subscriptions, a reminder still to be sent, an
event with a reminder still to be sent.

calendar-sync prunes too, for at most retention.calendar_sync_budget after
each run; "db prune" runs until nothing is left, in transactions of
retention.batch_size rows that invoke and the panel never wait for, so it is
safe while everything runs. It prints the rows deleted per table; with
--dry-run, what it would delete, changing nothing.`,
		Example: `  pfsnotify db prune --dry-run
  pfsnotify db prune
  PFSNOTIFY_RETENTION_DELIVERIES=730d pfsnotify db prune -o json
  # crontab, with retention.calendar_sync_budget: 0 (every night at 03:30)
  30 3 * * *  pfsnotify --config /etc/pfsnotify/config.yaml db prune -o json >/dev/null`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDBPrune(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "count what would be deleted, delete nothing")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// pruneJSON is the -o json output of db prune.
type pruneJSON struct {
	DryRun bool `json:"dry_run"`
	// The cutoffs; null: kept for ever.
	DeliveriesBefore *time.Time `json:"deliveries_before"`
	EventsBefore     *time.Time `json:"events_before"`
	// Rows deleted (or, with dry_run, that would be), by table.
	Tables map[string]int64 `json:"tables"`
	// Registrations of deleted events kept (detached) for their deliveries.
	RegistrationsDetached int64   `json:"registrations_detached"`
	Seconds               float64 `json:"seconds"`
}

func runDBPrune(ctx context.Context, a *app, opts dbPruneOptions) error {
	r := a.cfg.Retention
	if r.Deliveries == 0 && r.Events == 0 {
		if opts.output == "json" {
			return printJSON(a.stdout, pruneJSON{DryRun: opts.dryRun, Tables: pruneTables(store.PruneCounts{})})
		}
		a.printf("retention.deliveries and retention.events are 0 (keep for ever): nothing to prune")
		return nil
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	po := store.PruneOptionsFor(r, start)
	var counts store.PruneCounts
	if opts.dryRun {
		counts, err = s.CountPrunable(ctx, po)
	} else {
		counts, _, err = s.Prune(ctx, po) // no budget or batch limit: done unless an error stops it
	}
	elapsed := time.Since(start)
	if err != nil {
		if !opts.dryRun {
			printPruneTable(a.stdout, "DELETED", counts)
			return fmt.Errorf("prune stopped (the rows above are deleted; run it again to go on): %w", err)
		}
		return err
	}
	if opts.output == "json" {
		out := pruneJSON{DryRun: opts.dryRun, Tables: pruneTables(counts), RegistrationsDetached: counts.RegistrationsDetached,
			Seconds: elapsed.Seconds()}
		if !po.DeliveriesBefore.IsZero() {
			out.DeliveriesBefore = &po.DeliveriesBefore
		}
		if !po.EventsBefore.IsZero() {
			out.EventsBefore = &po.EventsBefore
		}
		return printJSON(a.stdout, out)
	}
	a.printf("deliveries: %s", cutoffText("retention.deliveries", r.Deliveries, po.DeliveriesBefore, "finished, last changed before"))
	a.printf("events: %s", cutoffText("retention.events", r.Events, po.EventsBefore, "ended before"))
	header := "DELETED"
	if opts.dryRun {
		header = "WOULD DELETE"
	}
	if err := printPruneTable(a.stdout, header, counts); err != nil {
		return err
	}
	if counts.RegistrationsDetached > 0 {
		verb := "kept"
		if opts.dryRun {
			verb = "would keep"
		}
		a.printf("%s %s of deleted events for their reminders (without the event)", verb, plural(int(counts.RegistrationsDetached), "registration"))
	}
	if opts.dryRun {
		a.printf("dry run: nothing was deleted (%s)", elapsed.Round(time.Millisecond))
	} else {
		a.printf("pruned in %s", elapsed.Round(time.Millisecond))
	}
	return nil
}

// pruneTableNames are the tables db prune reports, in the order it prunes them.
var pruneTableNames = []string{"deliveries", "delivery_attempts", "delivery_progress", "events", "registrations", "registration_unmatched"}

func pruneTables(c store.PruneCounts) map[string]int64 {
	rows := []int64{c.Deliveries, c.DeliveryAttempts, c.DeliveryProgress, c.Events, c.Registrations, c.RegistrationUnmatched}
	out := make(map[string]int64, len(rows))
	for i, n := range rows {
		out[pruneTableNames[i]] = n
	}
	return out
}

func printPruneTable(w io.Writer, header string, c store.PruneCounts) error {
	t := table{header: []string{"TABLE", header}}
	rows := pruneTables(c)
	for _, name := range pruneTableNames {
		t.add(name, itoa(rows[name]))
	}
	return t.print(w)
}

// cutoffText says what a retention period deletes: "ended before
// 2025-10-17 12:00 UTC (retention.events: 400d)", or "kept for ever
// (retention.events: 0)".
func cutoffText(key string, period time.Duration, before time.Time, what string) string {
	if period == 0 {
		return "kept for ever (" + key + ": 0)"
	}
	return fmt.Sprintf("%s %s UTC (%s: %s)", what, before.UTC().Format("2006-01-02 15:04"), key, days(period))
}

// days writes a retention period as the config has it: "400d", "1d12h".
func days(d time.Duration) string {
	n := d / config.Day
	rest := d % config.Day
	switch {
	case n == 0:
		return rest.String()
	case rest == 0:
		return fmt.Sprintf("%dd", n)
	}
	return fmt.Sprintf("%dd%s", n, rest)
}
