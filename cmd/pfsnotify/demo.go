package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type demoOptions struct {
	in time.Duration
}

func newDemoCmd(a *app) *cobra.Command {
	var opts demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try pfsnotify end to end on the configured database (SQLite ./pfsnotify.db by default)",
		Long: `Migrate the database, add a user "demo" if there is none, register it for an
event --in from now with two reminders on the log channel (one due in a
few seconds, one a minute before the start), then run one pass of invoke,
which sends the first reminder: the log channel prints it. Run it as often
as you like: each run adds one registration. Remove ./pfsnotify.db to start
over; "pfsnotify invoke" sends the second reminder when it is due.`,
		Example: `  go run ./cmd/pfsnotify demo
  pfsnotify demo --in 30m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().DurationVar(&opts.in, "in", 10*time.Minute, "how far ahead the demo event starts")
	return cmd
}

func runDemo(ctx context.Context, a *app, opts demoOptions) error {
	if opts.in < 2*time.Minute {
		return usagef("--in %s is too soon: give 2m or more", opts.in)
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	u, err := a.demoUser(ctx, s)
	if err != nil {
		return err
	}
	start := time.Now().Add(opts.in).Truncate(time.Second)
	firstLead := opts.in - 3*time.Second
	reg, created, _, err := s.Register(ctx, store.NewRegistration{
		UserID: u.ID, Title: "pfsnotify demo meeting", Message: "This is what a reminder looks like.",
		StartAt: start, TimeZone: u.TimeZone, Channels: []schedule.Channel{schedule.ChannelLog},
		Leads: []time.Duration{firstLead.Truncate(time.Second), time.Minute}, CreatedBy: "demo",
	})
	if err != nil {
		return err
	}
	loc := userZone(u)
	a.printf("registered %s for %q at %s (registration #%d); reminders:", u.Login, reg.Title, schedule.FormatInZone(reg.StartAt, loc), reg.ID)
	for _, d := range created {
		a.printf("  #%d  %-4s  %s before, due %s", d.ID, d.Channel, schedule.HumanLead(d.Lead), schedule.FormatInZone(d.DueAt, loc))
	}
	select {
	case <-time.After(time.Until(created[0].DueAt)):
	case <-ctx.Done():
		return ctx.Err()
	}
	a.printf("running one pass of invoke (the main job; cron runs it every minute):")
	d, _, err := a.newDispatcher(s, time.Time{})
	if err != nil {
		return err
	}
	sum, err := d.RunOnce(ctx)
	if err != nil {
		return err
	}
	a.printf("invoke: %s", sum)
	a.printf("next: pfsnotify registration show %d; pfsnotify invoke (sends the rest when due)", reg.ID)
	return nil
}

// demoUser finds or adds the user "demo".
func (a *app) demoUser(ctx context.Context, s *store.Store) (store.User, error) {
	u, err := s.UserByLogin(ctx, "demo")
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	u, err = s.CreateUser(ctx, store.User{Login: "demo", DisplayName: "Demo User",
		TimeZone: a.cfg.Defaults.TimeZone, Language: a.cfg.Defaults.Language})
	if err == nil {
		a.printf("added user demo (%s)", u.TimeZone)
	}
	return u, err
}
