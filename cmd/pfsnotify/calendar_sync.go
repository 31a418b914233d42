package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type calendarSyncOptions struct {
	calendars []string
	full      bool
	dryRun    bool
	force     bool
	quiet     bool
	// metricsFile and report: --metrics-file (metrics_file.go).
	metricsFile string
	report      func(calsync.Report)
}

func newCalendarSyncCmd(a *app) *cobra.Command {
	var opts calendarSyncOptions
	cmd := &cobra.Command{
		Use:   "calendar-sync [--calendar NAME|ID]... [--full] [--dry-run] [--force] [-q]",
		Short: "Bring calendar events in, apply the rules, keep reminders in step (cron)",
		Long: `Read every calendar (or those given with --calendar): Google calendars through
the Calendar API, iCalendar feeds by URL or file. New events are stored, moved
ones move the pending reminders of their registrations, cancelled ones cancel
them; every active rule is then applied to the upcoming events (calsync.horizon,
90 days by default), making a registration once per rule and event. People
registered for an event that moves or is cancelled within calsync.notice_window
(24 hours) are told, unless their rule says otherwise (rule notices).

Safe to run often: Google calendars are read incrementally (sync tokens), ICS
feeds with a conditional GET, and running it twice changes nothing the second
time. A fetch that fails, times out or returns something unparseable changes
nothing; the error is recorded on the calendar (calendar list) and the exit
status is 1. When more than calsync.max_vanish_share of a calendar's upcoming
events vanish from its feed at once, the sync refuses and says why; --force
accepts it. Two calendar-syncs never work on the same calendar at once: the
second one skips it. An event whose time zone is unknown (a TZID typo such as
Europe/Berln) is left out, as it was, and the rest of its calendar synced: the
line of that calendar goes to stderr as a warning (even with -q), naming the
event and its zone, which calendar list shows until a sync reads it again.

One line is printed per calendar: fetched, new, moved, cancelled events,
registrations created and cancelled, elapsed time.

Then, unless --dry-run, it deletes finished history older than the retention
periods for at most retention.calendar_sync_budget (10s; a backlog goes over
the next runs) and logs the rows deleted per table: see pfsnotify db prune.`,
		Example: `  pfsnotify calendar-sync
  pfsnotify calendar-sync --calendar indico --dry-run
  pfsnotify calendar-sync --calendar telecons --full
  # crontab: every 5 minutes, quiet unless something fails
  */5 * * * *  pfsnotify --config /etc/pfsnotify/config.yaml calendar-sync -q`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := newSyncMetrics()
			opts.report = m.add
			return m.finish(a, opts.metricsFile, runCalendarSync(cmd.Context(), a, opts))
		},
	}
	flags := cmd.Flags()
	flags.StringSliceVar(&opts.calendars, "calendar", nil, "sync only this calendar (name or id; repeat or separate with commas)")
	flags.BoolVar(&opts.full, "full", false, "read every event of the window, ignoring sync tokens and ETags")
	flags.BoolVar(&opts.dryRun, "dry-run", false, "fetch and compare, print what would change, change nothing")
	flags.BoolVar(&opts.force, "force", false, "cancel vanished events even when more than calsync.max_vanish_share vanished at once")
	flags.BoolVarP(&opts.quiet, "quiet", "q", false, "print nothing unless something fails")
	flags.StringVar(&opts.metricsFile, "metrics-file", "", metricsFileUsage)
	return cmd
}

func runCalendarSync(ctx context.Context, a *app, opts calendarSyncOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var calendars []store.Calendar
	if len(opts.calendars) > 0 {
		for _, ref := range opts.calendars {
			c, err := s.CalendarByRef(ctx, ref)
			if err != nil {
				return err // check them all before syncing any
			}
			calendars = append(calendars, c)
		}
	} else if calendars, err = s.ListCalendars(ctx); err != nil {
		return err
	}
	if len(calendars) == 0 {
		if !opts.quiet {
			a.printf("no calendars to sync: add one with pfsnotify calendar add")
		}
		if !opts.dryRun {
			return pruneAfterSync(ctx, a, s)
		}
		return nil
	}
	syncer := &calsync.Syncer{
		Store:     s,
		Options:   calsync.OptionsFromConfig(a.cfg.Calsync),
		SourceFor: calendarSources(a),
	}
	run := calsync.RunOptions{Full: opts.full, DryRun: opts.dryRun, Force: opts.force}
	failed := 0
	for _, c := range calendars {
		rep := syncer.Sync(ctx, c, run)
		if opts.report != nil {
			opts.report(rep)
		}
		switch {
		case rep.Busy:
			a.warnf("%s", rep)
		case rep.Err != nil:
			failed++
			fmt.Fprintf(a.stderr, "pfsnotify: %s\n", rep)
		case len(rep.Skipped) > 0:
			a.warnf("%s", rep) // synced, but some events left out: said even with -q
		case !opts.quiet:
			a.printf("%s", rep)
		}
	}
	var pruneErr error
	if !opts.dryRun {
		pruneErr = pruneAfterSync(ctx, a, s)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed to sync (see calendar list)", failed, plural(len(calendars), "calendar"))
	}
	return pruneErr
}

// pruneAfterSync deletes old history for at most
// retention.calendar_sync_budget (see db prune), and logs what it deleted.
// It runs here, after every calendar, rather than in calsync: it is not
// about a calendar, and this is the job that runs every few minutes
// unattended, with time to spare.
func pruneAfterSync(ctx context.Context, a *app, s *store.Store) error {
	r := a.cfg.Retention
	if r.CalendarSyncBudget == 0 || (r.Deliveries == 0 && r.Events == 0) {
		return nil
	}
	start := time.Now()
	opts := store.PruneOptionsFor(r, start)
	opts.Budget = r.CalendarSyncBudget
	c, done, err := s.Prune(ctx, opts)
	level := slog.LevelDebug
	if c != (store.PruneCounts{}) {
		level = slog.LevelInfo
	}
	a.log.Log(ctx, level, "pruned old history", "deliveries", c.Deliveries, "delivery_attempts", c.DeliveryAttempts,
		"delivery_progress", c.DeliveryProgress, "events", c.Events, "registrations", c.Registrations,
		"registration_unmatched", c.RegistrationUnmatched, "registrations_detached", c.RegistrationsDetached,
		"done", done, "elapsed", time.Since(start))
	if err != nil {
		return fmt.Errorf("calendars synced, but pruning old history failed (pfsnotify db prune says more): %w", err)
	}
	return nil
}

// calendarSources returns the source of each kind of calendar, all over one
// HTTP client with calsync.http_timeout. The Google client is made when a
// Google calendar first needs it, so that ICS-only sites need no Google
// credentials.
func calendarSources(a *app) func(context.Context, store.Calendar) (calsync.Source, error) {
	client := &http.Client{Timeout: a.cfg.Calsync.HTTPTimeout}
	ics := &calsync.ICS{Client: client, UserAgent: "pfsnotify calendar-sync"}
	var google *calsync.Google
	return func(ctx context.Context, c store.Calendar) (calsync.Source, error) {
		switch c.Kind {
		case store.CalendarICS:
			return ics, nil
		case store.CalendarGoogle:
			if google != nil {
				return google, nil
			}
			auth := calsync.GoogleAuth{CredentialsFile: a.cfg.Google.CredentialsFile, APIKey: a.cfg.Google.APIKey}
			if auth.CredentialsFile == "" && auth.APIKey == "" {
				return nil, fmt.Errorf("calendar %s is a Google calendar: set google.credentials_file (the key file of a service account the calendar is shared with) or google.api_key (public calendars)", c.Name)
			}
			svc, err := calsync.NewGoogleService(ctx, auth, a.cfg.Calsync.GoogleAPIURL, client)
			if err != nil {
				return nil, err
			}
			google = &calsync.Google{Service: svc}
			return google, nil
		}
		return nil, fmt.Errorf("calendar %s: %q is not a calendar kind this pfsnotify can read", c.Name, c.Kind)
	}
}

// applyNewRule applies a rule just added to the events already synced,
// so that it works at once rather than at the next calendar-sync.
func applyNewRule(ctx context.Context, a *app, s *store.Store, r store.Rule, login string) {
	applied, err := calsync.ApplyRule(ctx, s, r, calsync.OptionsFromConfig(a.cfg.Calsync), time.Now())
	if err != nil {
		a.warnf("rule #%d is added, but applying it to the events already synced failed (the next calendar-sync will): %v", r.ID, err)
		return
	}
	if applied.Created > 0 {
		a.printf("registered %s for %s already synced (%s)", login, plural(applied.Created, "upcoming event"),
			plural(applied.Deliveries, "reminder"))
	}
}
