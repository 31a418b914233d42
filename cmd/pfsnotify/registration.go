package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newRegistrationCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "registration",
		Aliases: []string{"reg"},
		Short:   "Register people for reminders of one event or instant; list and cancel",
	}
	cmd.AddCommand(newRegistrationAddCmd(a), newRegistrationListCmd(a), newRegistrationShowCmd(a), newRegistrationCancelCmd(a))
	return cmd
}

type registrationAddOptions struct {
	user, at, timeZone, title, message, channels, leads string
	eventID                                             int64
}

func newRegistrationAddCmd(a *app) *cobra.Command {
	var opts registrationAddOptions
	cmd := &cobra.Command{
		Use:   "add --user LOGIN (--at TIME | --event ID) --channel LIST --lead LIST",
		Short: "Register a user for reminders of one event or one instant",
		Long: `Register a user for reminders of one synced calendar event (--event) or of an
ad-hoc instant (--at, with --title). One reminder is planned per channel and
lead time, due at the start minus the lead.

--at is a time in --tz (default: the user's own zone): relative to now
("+2h", "+1d12h", "today 14:30", "tomorrow 09:00", "monday 09:00": the next
Monday 09:00 still ahead), or a date and clock time ("2026-12-01 09:00"). A
time that does not exist (a DST gap) or happens twice (a DST overlap) is
refused; for the latter add the offset, e.g. "2026-11-01 01:30 -04:00", which
must be one the zone has then. A reminder that would be due in the past is
skipped with a warning.

Channels: push, call, sms, email, webhook, log. Lead times: 10m, 2m, 1h30m, 1d, 0 (at the start).`,
		Example: `  pfsnotify registration add --user alice --at "tomorrow 09:00" --tz Asia/Tokyo --title "Detector review" --channel push,call --lead 10m,2m
  pfsnotify registration add --user alice --at +2h --title "Beam time" --channel sms --lead 15m
  pfsnotify registration add --user alice --event 42 --channel call --lead 5m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegistrationAdd(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.user, "user", "", "login of the person to remind (required)")
	flags.StringVar(&opts.at, "at", "", `start, in --tz: "tomorrow 09:00", "+2h", "monday 14:30" or "2026-12-01 09:00"`)
	flags.StringVar(&opts.timeZone, "tz", "", "IANA time zone of --at (default: the user's zone)")
	flags.Int64Var(&opts.eventID, "event", 0, "id of a synced calendar event, instead of --at")
	flags.StringVar(&opts.title, "title", "", "what the reminder is about (required with --at)")
	flags.StringVar(&opts.message, "message", "", "extra text for the reminder")
	flags.StringVar(&opts.channels, "channel", "", "channels, comma-separated: push,call,sms,email,webhook,log (required)")
	flags.StringVar(&opts.leads, "lead", "", "lead times before the start, comma-separated, e.g. 10m,2m (required)")
	return cmd
}

func runRegistrationAdd(ctx context.Context, a *app, opts registrationAddOptions) error {
	switch {
	case opts.user == "":
		return usagef("--user is required")
	case (opts.at == "") == (opts.eventID == 0):
		return usagef("give exactly one of --at TIME and --event ID")
	case opts.eventID != 0 && opts.timeZone != "":
		return usagef("--tz goes with --at: an event has its own start and zone")
	}
	channels, leads, err := channelsAndLeads(opts.channels, opts.leads)
	if err != nil {
		return err
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userFlag(ctx, s, opts.user)
	if err != nil {
		return err
	}
	if opts.eventID != 0 {
		if _, err := s.EventByID(ctx, opts.eventID); errors.Is(err, store.ErrNotFound) {
			return notFoundf("event: no event #%d (calendar-sync brings events in; pfsnotify rule test --pattern . lists them)", opts.eventID)
		} else if err != nil {
			return err
		}
	}
	nr := store.NewRegistration{
		UserID: u.ID, EventID: opts.eventID, Title: opts.title, Message: opts.message,
		Channels: channels, Leads: leads, CreatedBy: "cli", AllDayAt: a.cfg.Calsync.AllDay(),
	}
	if opts.at != "" {
		if nr.TimeZone = opts.timeZone; nr.TimeZone == "" {
			nr.TimeZone = u.TimeZone
		}
		loc, err := schedule.LoadZone(nr.TimeZone)
		if err != nil {
			return &store.FieldError{Field: "tz", Problem: err.Error()}
		}
		if nr.StartAt, err = schedule.ParseAt(opts.at, loc, time.Now()); err != nil {
			return &store.FieldError{Field: "at", Problem: err.Error()}
		}
	}
	reg, created, skipped, err := s.Register(ctx, nr)
	if err != nil {
		return err
	}
	loc := userZone(u)
	for _, p := range skipped {
		a.warnf("%s", p.SkippedWarning(loc))
	}
	if why := a.reachesNobody(ctx, s, reg, u); why != "" {
		a.warnf("registration #%d reaches nobody: %s", reg.ID, why)
	}
	a.printf("added registration #%d for %s: %q at %s; %s, next due %s (%s)",
		reg.ID, u.Login, reg.Title, schedule.FormatInZone(reg.StartAt, loc), plural(len(created), "reminder"),
		schedule.FormatInZone(created[0].DueAt, loc), created[0].Channel)
	return nil
}

// userZone is the user's zone, or UTC when it no longer loads.
func userZone(u store.User) *time.Location {
	return zoneOrUTC(u.TimeZone)
}

func zoneOrUTC(name string) *time.Location {
	loc, err := schedule.LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

type registrationListOptions struct {
	user     string
	upcoming bool
	all      bool
	output   outputFormat
}

func newRegistrationListCmd(a *app) *cobra.Command {
	var opts registrationListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registrations with their next reminder, in each user's zone",
		Long: `List active registrations, by start. Times are shown in each user's own zone.
--upcoming keeps those whose start is ahead; --all adds cancelled ones.`,
		Example: `  pfsnotify registration list --user alice --upcoming
  pfsnotify registration list --all -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegistrationList(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.user, "user", "", "only this user's registrations")
	flags.BoolVar(&opts.upcoming, "upcoming", false, "only registrations whose start is ahead")
	flags.BoolVar(&opts.all, "all", false, "include cancelled registrations")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// registrationJSON is a registration as scripts see it; times in UTC.
type registrationJSON struct {
	ID        int64      `json:"id"`
	User      string     `json:"user"`
	EventID   int64      `json:"event_id,omitempty"`
	RuleID    int64      `json:"rule_id,omitempty"`
	Origin    string     `json:"origin"`
	Title     string     `json:"title"`
	Message   string     `json:"message,omitempty"`
	Start     time.Time  `json:"start"`
	TimeZone  string     `json:"time_zone"`
	Channels  []string   `json:"channels"`
	Leads     []string   `json:"leads"`
	Status    string     `json:"status"`
	NextDueAt *time.Time `json:"next_due_at"`
	Pending   int        `json:"pending"`
	// CancelledWhy says why calendar-sync cancelled it (its event was
	// cancelled or removed, or no longer matches the rule).
	CancelledWhy string `json:"cancelled_why,omitempty"`
	// Unreachable says why no channel can reach the person; "" when one can.
	Unreachable string    `json:"unreachable,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func (a *app) toRegistrationJSON(v store.RegistrationView) registrationJSON {
	j := registrationJSON{
		ID: v.ID, User: v.UserLogin, EventID: v.EventID, RuleID: v.RuleID, Origin: v.Origin, Title: v.Title,
		Message: v.Message, Start: v.StartAt.UTC(), TimeZone: v.TimeZone, Status: string(v.Status),
		Pending: v.Pending, CancelledWhy: v.CancelledWhy, Unreachable: a.unreachable(v), CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt.UTC(),
		Channels: strings.Split(schedule.FormatChannels(v.Channels), ","),
		Leads:    strings.Split(schedule.FormatLeads(v.Leads), ","),
	}
	if !v.NextDueAt.IsZero() {
		next := v.NextDueAt.UTC()
		j.NextDueAt = &next
	}
	return j
}

func runRegistrationList(ctx context.Context, a *app, opts registrationListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	filter := store.RegistrationFilter{Upcoming: opts.upcoming, IncludeCancelled: opts.all}
	if opts.user != "" {
		u, err := userFlag(ctx, s, opts.user)
		if err != nil {
			return err
		}
		filter.UserID = u.ID
	}
	regs, err := s.ListRegistrations(ctx, filter)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]registrationJSON, 0, len(regs))
		for _, r := range regs {
			out = append(out, a.toRegistrationJSON(r))
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"ID", "USER", "TITLE", "START", "CHANNELS", "LEADS", "ORIGIN", "STATUS", "NEXT DUE", "PENDING", "REACHES"}}
	unreachable := 0
	for _, r := range regs {
		loc := zoneOrUTC(r.UserTimeZone)
		next := "-"
		if !r.NextDueAt.IsZero() {
			next = schedule.FormatInZone(r.NextDueAt, loc)
		}
		reaches := "yes"
		if why := a.unreachable(r); why != "" && r.Status == store.RegistrationActive {
			reaches, unreachable = "NOBODY: "+why, unreachable+1
		}
		status := string(r.Status)
		if r.CancelledWhy != "" {
			status += ": " + r.CancelledWhy
		}
		t.add(itoa(r.ID), r.UserLogin, r.Title, schedule.FormatInZone(r.StartAt, loc), schedule.FormatChannels(r.Channels),
			schedule.FormatLeads(r.Leads), r.Origin, status, next, fmt.Sprint(r.Pending), reaches)
	}
	if err := t.print(a.stdout); err != nil {
		return err
	}
	if unreachable > 0 {
		a.warnf("registrations that reach nobody: %d (no channel of theirs is configured with a target for the person; see REACHES)",
			unreachable)
	}
	return nil
}

type registrationCancelOptions struct{ ids []int64 }

func newRegistrationCancelCmd(a *app) *cobra.Command {
	var opts registrationCancelOptions
	return &cobra.Command{
		Use:   "cancel ID...",
		Short: "Cancel registrations and their pending reminders",
		Long: `Cancel registrations and every reminder of theirs not sent yet. All or none:
an unknown id cancels nothing. A registration made by a rule stays cancelled:
calendar-sync does not make it again.`,
		Example: `  pfsnotify registration cancel 12 13`,
		Args:    minArgs(1, "at least one registration ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs("registration", args)
			if err != nil {
				return err
			}
			opts.ids = ids
			return runRegistrationCancel(cmd.Context(), a, opts)
		},
	}
}

func runRegistrationCancel(ctx context.Context, a *app, opts registrationCancelOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	cancelled, err := s.CancelRegistrations(ctx, opts.ids, 0)
	if err != nil {
		return err
	}
	for _, c := range cancelled {
		if c.Already {
			a.printf("registration #%d (%q) was already cancelled", c.Registration.ID, c.Registration.Title)
			continue
		}
		a.printf("cancelled registration #%d (%q) and %d pending reminders", c.Registration.ID, c.Registration.Title, c.Deliveries)
	}
	return nil
}
