package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type invokeOptions struct {
	loop     bool
	interval time.Duration
	dryRun   bool
	at       string        // --at: the instant of a dry run
	timeZone string        // --tz of --at
	window   time.Duration // --window: a dry run at --at shows what falls due in (at-window, at]
	quiet    bool
	metrics  string // --metrics-file
	changed  func(string) bool
}

func newInvokeCmd(a *app) *cobra.Command {
	var opts invokeOptions
	cmd := &cobra.Command{
		Use:   "invoke",
		Short: "Send the reminders that are due (run it every minute from cron)",
		Long: `Send every reminder that is due: claim it, send it through its channel
(push, call, sms, email, webhook, log), record the outcome, and schedule a
retry with backoff when the channel failed for a while. Any number of invoke
processes may run at once over one database: each reminder is sent once. A
run that is killed leaves its claims to the next run once their lease
(invoke.lease) has passed; a run stopped with SIGTERM or SIGINT finishes the
sends under way and gives back the rest.

By default invoke makes one pass and exits (--once), printing one summary
line: cron mails it to you; with -q it prints only when something failed.
--loop runs passes every --interval as a daemon (systemd).

Each result is written to a journal in invoke.state_dir as soon as its send
returns, and to the database right after. What the database could not take
(it went away, or the run was killed) stays in the journal, and the next run
records it before it sends anything: neither a crash nor a database outage
sends a reminder twice. Every database call has a deadline (invoke.db_timeout):
a database that stops answering ends the run with exit status 1.

When every send of a channel failed and will be retried (the push service or
Twilio is unreachable), invoke says so on standard error, also with -q.

--dry-run --at TIME shows what a run at that instant would send: who, on
which channel, for which event; by default what falls due in the minute up to
it (--window; a run every minute sends that), as if nothing were sent before.
TIME is read in --tz (default: defaults.time_zone), as in registration add:
"tomorrow 09:00", "+2h", "monday 08:30", "2026-12-01 09:00".

Exit status: 0 when everything due was sent or will be retried, 1 when the
database cannot be reached or a reminder failed for good.`,
		Example: `  # crontab: every minute, mail only on failure
  * * * * *  pfsnotify --config /etc/pfsnotify/config.yaml invoke -q
  pfsnotify invoke --dry-run
  pfsnotify invoke --dry-run --at "tomorrow 09:00"     # who gets called at 09:00 tomorrow?
  pfsnotify invoke --dry-run --at "monday 08:30" --window 30m --tz Europe/Zurich
  pfsnotify invoke --loop --interval 15s
  pfsnotify invoke -q --metrics-file /var/lib/prometheus/node-exporter/pfsnotify-invoke.prom`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed = cmd.Flags().Changed
			return runInvoke(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.Bool("once", true, "one pass, then exit (the default)")
	flags.BoolVar(&opts.loop, "loop", false, "run passes every --interval until stopped")
	flags.DurationVar(&opts.interval, "interval", 0, "pause between passes with --loop (default invoke.interval, 15s)")
	flags.BoolVar(&opts.dryRun, "dry-run", false, "print what would be sent, change nothing")
	flags.StringVar(&opts.at, "at", "", `with --dry-run: what would be sent at this instant, e.g. "tomorrow 09:00", "+2h"`)
	flags.StringVar(&opts.timeZone, "tz", "", "IANA zone of --at (default: defaults.time_zone)")
	flags.DurationVar(&opts.window, "window", time.Minute, "with --at: show what falls due within this much before it")
	flags.BoolVarP(&opts.quiet, "quiet", "q", false, "print nothing unless something failed (for cron)")
	flags.StringVar(&opts.metrics, "metrics-file", "", metricsFileUsage+"; with --loop, after every pass")
	// Flags that exclude each other are checked in runInvoke: a usage
	// error (exit status 2), which cobra's flag groups do not give.
	return cmd
}

func runInvoke(ctx context.Context, a *app, opts invokeOptions) error {
	for _, pair := range [][2]string{{"once", "loop"}, {"loop", "dry-run"}, {"dry-run", "metrics-file"}} {
		if opts.changed(pair[0]) && opts.changed(pair[1]) {
			return usagef("--%s and --%s do not go together", pair[0], pair[1])
		}
	}
	if opts.interval == 0 {
		opts.interval = a.cfg.Invoke.Interval
	}
	if opts.interval < time.Second {
		return usagef("--interval %s is too short: use 1s or more", opts.interval)
	}
	var at time.Time
	atZone := time.UTC
	switch {
	case opts.at == "" && (opts.changed("tz") || opts.changed("window")):
		return usagef("--tz and --window go with --at")
	case opts.at != "" && !opts.dryRun:
		return usagef("--at goes with --dry-run: invoke sends what is due now")
	case opts.at != "":
		loc, err := a.tzFlag(opts.timeZone)
		if err != nil {
			return err
		}
		atZone = loc
		if at, err = schedule.ParseAt(opts.at, loc, time.Now()); err != nil {
			return &store.FieldError{Field: "at", Problem: err.Error()}
		}
		if opts.window <= 0 {
			return &store.FieldError{Field: "window", Problem: fmt.Sprintf("%v is not a positive duration", opts.window)}
		}
	}
	a.tuneGC()
	started := time.Now()
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		if opts.metrics != "" {
			a.writeInvokeMetrics(opts.metrics, started, dispatch.Summary{}, err)
		}
		return err
	}
	defer s.Close()
	if !at.IsZero() {
		// The store and the dispatcher see the clock at --at: what is due
		// then, and what would be skipped as too late then.
		s.SetClock(func() time.Time { return at })
	}
	d, channels, err := a.newDispatcher(s, at)
	if err != nil {
		return err
	}
	switch {
	case opts.dryRun:
		return a.printDryRun(ctx, d, at, atZone, opts.window)
	case opts.loop:
		a.log.Info("invoke loop started", "interval", opts.interval, "channels", len(channels))
		started = time.Now()
		d.Loop(ctx, opts.interval, func(sum dispatch.Summary, err error) {
			if opts.metrics != "" {
				a.writeInvokeMetrics(opts.metrics, started, sum, err)
			}
			started = time.Now()
			a.warnChannelsDown(sum)
			if err != nil {
				a.log.Error("invoke pass failed", "database", s.Name(), "err", err)
			} else if sum.Sent+sum.Failed+sum.Retrying+sum.Skipped > 0 || !opts.quiet {
				a.log.Info("invoke pass", "summary", sum.String())
			}
		})
		a.log.Info("invoke loop stopped")
		return nil
	}
	started = time.Now()
	sum, err := d.RunOnce(ctx)
	a.warnChannelsDown(sum)
	if err != nil {
		err = fmt.Errorf("invoke (database %s): %w", s.Name(), err)
	} else if sum.Failed > 0 {
		err = fmt.Errorf("invoke: %s; see pfsnotify registration show for the errors", sum)
	}
	if opts.metrics != "" {
		a.writeInvokeMetrics(opts.metrics, started, sum, err)
	}
	if err != nil {
		return err
	}
	if !opts.quiet {
		a.printf("invoke: %s", sum)
	}
	return nil
}

// Invoke's garbage collection, unless GOGC or GOMEMLIMIT say otherwise: its
// live heap is small (~15 MB for a run of 10,000 pushes) and webpush-go
// allocates ~55 KB a push, so at Go's default (GOGC=100) the collector
// runs every few hundred pushes and took ~5% of a run's CPU. Collecting at
// 400% growth, but never letting the heap pass 64 MB, gave 68% → 75% of
// bare webpush-go's rate on MariaDB (bench/README.md) with a peak RSS
// still well under 100 MB.
const (
	invokeGCPercent   = 400
	invokeMemoryLimit = 64 << 20
)

func (a *app) tuneGC() {
	for _, kv := range a.environ {
		if strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=") {
			return
		}
	}
	debug.SetGCPercent(invokeGCPercent)
	debug.SetMemoryLimit(invokeMemoryLimit)
}

// newDispatcher builds the dispatcher over s with the configured channels;
// a dry run at an instant other than now gives it (non-zero).
func (a *app) newDispatcher(s *store.Store, at time.Time) (*dispatch.Dispatcher, map[schedule.Channel]dispatch.Channel, error) {
	templates, err := message.NewTemplates(a.cfg.Templates)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if templates, err = a.localized(templates); err != nil {
		return nil, nil, err
	}
	channels, err := a.channels(s, templates)
	if err != nil {
		return nil, nil, err
	}
	opts := a.dispatchOptions(s, channels)
	if !at.IsZero() {
		opts.Now = func() time.Time { return at }
	}
	d, err := dispatch.New(opts)
	return d, channels, err
}

func (a *app) dispatchOptions(s *store.Store, channels map[schedule.Channel]dispatch.Channel) dispatch.Options {
	c := a.cfg.Invoke
	opts := dispatch.Options{
		Store: s, Channels: channels, Owner: leaseOwner(),
		Concurrency: c.Concurrency, BatchSize: c.BatchSize, Lease: c.Lease, SendTimeout: c.HTTPTimeout,
		MaxAttempts: c.MaxAttempts, BackoffBase: c.BackoffBase, BackoffMax: c.BackoffMax,
		CallsPerSecond: a.cfg.Twilio.CallsPerSecond, SMSPerSecond: c.SMSPerSecond, CallLookahead: c.CallLookahead,
		PublicURL: a.cfg.PublicURL, Log: a.log,
		StateDir: c.StateDirFor(a.cfg.Database), JournalScope: journalScope(s.Name()), Database: s.Name(),
		SyncJournal: s.DurableCommits(),
		DBTimeout:   c.DBTimeout,
	}
	// Calls whose status callbacks never came are looked up through the
	// call channel, when there is one.
	if f, ok := channels[schedule.ChannelCall].(dispatch.CallStatusFetcher); ok {
		t := a.cfg.TwiML
		opts.Reconcile = dispatch.ReconcileOptions{Calls: f, After: t.ReconcileAfter, RetryDelay: t.RetryDelay,
			MaxCallRetries: t.MaxCallRetries}
	}
	return opts
}

// journalScope names the database in journal file names: runs over other
// databases may share the state directory.
func journalScope(database string) string {
	sum := sha256.Sum256([]byte(database))
	return hex.EncodeToString(sum[:6])
}

// warnChannelsDown says on standard error, even with -q, when every send
// of a channel in a pass failed and will be retried: the push service or
// Twilio is likely unreachable, and cron should mail someone.
func (a *app) warnChannelsDown(sum dispatch.Summary) {
	for _, name := range slices.Sorted(maps.Keys(sum.Channels)) {
		if c := sum.Channels[name]; c.AllRetrying() {
			a.warnf("every %s send of this run failed and will be tried again (%s): %s",
				name, plural(c.Retrying, "reminder"), c.LastError)
		}
	}
}

// leaseOwner names this process in the claims it holds: host, pid and a
// random part (pids repeat across reboots and containers).
func leaseOwner() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// printDryRun lists what a run would send now, or, with at, what falls due
// in (at-window, at]: who, on which channel, for which event.
func (a *app) printDryRun(ctx context.Context, d *dispatch.Dispatcher, at time.Time, atZone *time.Location, window time.Duration) error {
	planned, err := d.DryRun(ctx, 10000)
	if err != nil {
		return err
	}
	t := table{header: []string{"DELIVERY", "DUE (USER'S ZONE)", "USER", "CHANNEL", "KIND", "EVENT", "STARTS", "WOULD"}}
	n := 0
	for _, p := range planned {
		if !at.IsZero() && !p.Claim.NextAttemptAt.After(at.Add(-window)) {
			continue // due before the window: a run before --at sends it
		}
		n++
		loc := userZone(p.Claim.User)
		t.add(itoa(p.Claim.ID), schedule.FormatInZone(p.Claim.NextAttemptAt, loc), p.Claim.User.Login, string(p.Claim.Channel),
			string(p.Claim.Kind), p.Message.Title, schedule.FormatInZone(p.Message.StartAt, loc), p.Action)
	}
	if err := t.print(a.stdout); err != nil {
		return err
	}
	if at.IsZero() {
		a.printf("dry run: %s due now; nothing was sent or changed", plural(n, "reminder"))
		return nil
	}
	a.printf("dry run at %s: %s due in the %v up to then; nothing was sent or changed",
		schedule.FormatInZone(at, atZone), plural(n, "reminder"), window)
	return nil
}
