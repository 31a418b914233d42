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
		Short: "Try pfsnotify on the configured database (SQLite ./pfsnotify.db by default)",
		Long: `Migrate the database, add a user "demo" if there is none, register it for a
reminder of an event a few minutes ahead on the log channel, and show the
reminders planned for it, due times in the user's zone. Run it as often as
you like: each run adds one registration. Remove ./pfsnotify.db to start over.`,
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
		return usagef("--in %s is too soon: give 2m or more, so that a reminder is still ahead", opts.in)
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	u, err := s.UserByLogin(ctx, "demo")
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.CreateUser(ctx, store.User{Login: "demo", DisplayName: "Demo User",
			TimeZone: a.cfg.Defaults.TimeZone, Language: a.cfg.Defaults.Language})
		if err == nil {
			a.printf("added user demo (%s)", u.TimeZone)
		}
	}
	if err != nil {
		return err
	}
	start := time.Now().Add(opts.in).Truncate(time.Minute)
	reg, created, _, err := s.Register(ctx, store.NewRegistration{
		UserID: u.ID, Title: "pfsnotify demo meeting", Message: "This is what a reminder looks like.",
		StartAt: start, TimeZone: u.TimeZone, Channels: []schedule.Channel{schedule.ChannelLog},
		Leads: []time.Duration{opts.in / 2, time.Minute}, CreatedBy: "demo",
	})
	if err != nil {
		return err
	}
	loc := userZone(u)
	a.printf("registered demo for %q at %s (registration #%d); reminders planned:", reg.Title, schedule.FormatInZone(reg.StartAt, loc), reg.ID)
	for _, d := range created {
		a.printf("  #%d  %-4s  %s before  due %s", d.ID, d.Channel, schedule.HumanLead(d.Lead), schedule.FormatInZone(d.DueAt, loc))
	}
	a.printf("next: pfsnotify registration list; pfsnotify registration show %d", reg.ID)
	return nil
}
