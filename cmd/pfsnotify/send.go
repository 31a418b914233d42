package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type sendOptions struct {
	groups, users  []string
	title, message string
	channels       string
	at, timeZone   string
	dryRun         bool
	output         outputFormat
}

func newSendCmd(a *app) *cobra.Command {
	var opts sendOptions
	cmd := &cobra.Command{
		Use:   "send (--group NAME | --user LOGIN)... --title TEXT --message TEXT [--channel LIST] [--at TIME] [--dry-run]",
		Short: "Send a message now to groups and people",
		Long: `Send a message now (or at --at) to every member of the groups and to the
people named. Each person gets it once, on the first of their channels that
reaches them: --channel, else the channels they chose (user update
--channels), else push, email, SMS. Push, SMS and calls carry the text as
written (a call reads it aloud and asks to press 1); email shows it as
Markdown.

Before anything is queued, send lists who gets it on which channel and who
cannot be reached (no phone, no browser, no email, or the channel is not set
up); it still goes to everyone reachable. With --dry-run it only lists.

The message goes through the outbox: invoke sends it exactly once, at
Twilio's rates, with retries, in the delivery log. Cancel what is not sent
yet with: pfsnotify send cancel ID.`,
		Example: `  pfsnotify send --group ops --title "Run cancelled" --message "Tonight's run is cancelled: high winds." --dry-run
  pfsnotify send --group ops --user alice --title "Run cancelled" --message "Tonight's run is cancelled." --channel sms,push
  pfsnotify send --group drp --title "Telecon moved" --message "See the **new link**" --at "tomorrow 08:00"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSend(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringArrayVar(&opts.groups, "group", nil, "a group to send to (repeat for more)")
	flags.StringArrayVar(&opts.users, "user", nil, "a person to send to, by login (repeat for more)")
	flags.StringVar(&opts.title, "title", "", "the message's title, one line (required)")
	flags.StringVar(&opts.message, "message", "", "the message's text (required; Markdown in email)")
	flags.StringVar(&opts.channels, "channel", "", "channels to use, in order, e.g. sms,push (default: each person's own)")
	flags.StringVar(&opts.at, "at", "", `when to send, in --tz: "+30m", "today 18:00" (default: now)`)
	flags.StringVar(&opts.timeZone, "tz", "", "IANA zone of --at (default: defaults.time_zone)")
	flags.BoolVar(&opts.dryRun, "dry-run", false, "list who would get it on which channel; queue nothing")
	addOutputFlag(cmd, &opts.output)
	cmd.AddCommand(newSendCancelCmd(a))
	return cmd
}

func runSend(ctx context.Context, a *app, opts sendOptions) error {
	now := time.Now()
	nm := store.NewMessage{Title: opts.title, Body: opts.message, CreatedBy: "cli"}
	loc, err := a.tzFlag(opts.timeZone) // of --at, and of the time said back
	if err != nil {
		return err
	}
	if opts.at != "" {
		if nm.SendAt, err = schedule.ParseAt(opts.at, loc, now); err != nil {
			return &store.FieldError{Field: "at", Problem: err.Error()}
		}
	}
	audience := store.Audience{Groups: opts.groups, Logins: opts.users}
	if opts.channels != "" {
		channels, err := schedule.ParseChannels(opts.channels)
		if err != nil {
			return &store.FieldError{Field: "channel", Problem: err.Error()}
		}
		audience.Channels = channels
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	b := broadcast.New(s, a.cfg)
	plan, err := b.Plan(ctx, &nm, audience, now)
	if err != nil {
		return err
	}
	out := broadcast.Result{DryRun: opts.dryRun, Plan: plan}
	if !opts.dryRun {
		m, queued, err := b.Send(ctx, nm, plan)
		if err != nil {
			return err
		}
		out.Message, out.Queued = m.ID, queued
	}
	if opts.output == "json" {
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"LOGIN", "CHANNEL", "CANNOT BE REACHED"}}
	for _, l := range plan.Lines {
		t.add(l.Login, l.Channel, l.Unreachable)
	}
	if err := t.print(a.stdout); err != nil {
		return err
	}
	if plan.Unreachable > 0 {
		a.warnf("%d of %d cannot be reached", plan.Unreachable, len(plan.Lines))
	}
	if opts.dryRun {
		a.printf("dry run: %d would get it; nothing queued", plan.Reachable)
		return nil
	}
	a.printf("queued message #%d for %d people at %s; invoke sends it (cancel: pfsnotify send cancel %d)",
		out.Message, out.Queued, nm.SendAt.In(loc).Format("2006-01-02 15:04 MST"), out.Message)
	return nil
}

type sendCancelOptions struct{ id int64 }

func newSendCancelCmd(a *app) *cobra.Command {
	var opts sendCancelOptions
	return &cobra.Command{
		Use:     "cancel ID",
		Short:   "Cancel what of a message is not sent yet",
		Long:    "Cancel the deliveries of a message that are still waiting; those sent or under way stay as they are.",
		Example: `  pfsnotify send cancel 12`,
		Args:    exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs("message", args)
			if err != nil {
				return err
			}
			opts.id = ids[0]
			return runSendCancel(cmd.Context(), a, opts)
		},
	}
}

func runSendCancel(ctx context.Context, a *app, opts sendCancelOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.CancelMessage(ctx, opts.id)
	if err != nil {
		return err
	}
	a.printf("cancelled %d deliveries of message #%d that were not sent yet", n, opts.id)
	return nil
}
