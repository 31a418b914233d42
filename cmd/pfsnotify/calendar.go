package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newCalendarCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "The calendars that calendar-sync reads: add, list, remove",
	}
	cmd.AddCommand(newCalendarAddCmd(a), newCalendarListCmd(a), newCalendarRemoveCmd(a))
	return cmd
}

type calendarAddOptions struct {
	google, ics, name, timeZone string
}

func newCalendarAddCmd(a *app) *cobra.Command {
	var opts calendarAddOptions
	cmd := &cobra.Command{
		Use:   "add (--google CALENDAR_ID | --ics URL) --name NAME [--tz ZONE]",
		Short: "Add a Google calendar or an iCalendar (ICS) feed",
		Long: `Add a calendar for calendar-sync to read: a Google calendar by its id (shared
with the service account set in google.credentials_file, or public with
google.api_key), or an iCalendar feed by URL or absolute file path (e.g. an
Indico category's ICS export).

--tz is the zone of the events that name none (RFC 5545 floating times, such
as DTSTART:20261201T090000, and all-day events). Without it, a feed's own
X-WR-TIMEZONE is used (Google's and Apple's exports have one); with neither,
each member reads those times in their own zone: a floating 09:00 is 09:00
for everyone, wherever they are. Members are reminded of all-day events at
calsync.all_day_at (09:00 the day before) in their own zone either way.`,
		Example: `  pfsnotify calendar add --google c_0123abcd@group.calendar.google.com --name telecons --tz Europe/Zurich
  pfsnotify calendar add --ics https://indico.example.org/category/42/events.ics --name indico`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCalendarAdd(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.google, "google", "", "Google calendar id")
	flags.StringVar(&opts.ics, "ics", "", "iCalendar feed: https URL or absolute file path")
	flags.StringVar(&opts.name, "name", "", "short unique name used by rules and the panel (required)")
	flags.StringVar(&opts.timeZone, "tz", "", "IANA zone of events that name none (default: the feed's X-WR-TIMEZONE, else each member's)")
	return cmd
}

func runCalendarAdd(ctx context.Context, a *app, opts calendarAddOptions) error {
	c := store.Calendar{Name: opts.name, TimeZone: opts.timeZone}
	switch {
	case (opts.google == "") == (opts.ics == ""):
		return usagef("give exactly one of --google CALENDAR_ID and --ics URL")
	case opts.name == "":
		return usagef("--name is required")
	case opts.google != "":
		c.Kind, c.Source = store.CalendarGoogle, opts.google
	default:
		c.Kind, c.Source = store.CalendarICS, opts.ics
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if c, err = s.CreateCalendar(ctx, c); err != nil {
		return err
	}
	a.printf("added calendar %s (#%d, %s %s); calendar-sync reads it from its next run", c.Name, c.ID, c.Kind, c.Source)
	return nil
}

type calendarListOptions struct{ output outputFormat }

func newCalendarListCmd(a *app) *cobra.Command {
	var opts calendarListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List calendars with their last sync and last error",
		Example: `  pfsnotify calendar list
  pfsnotify calendar list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCalendarList(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type calendarJSON struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	Source       string     `json:"source"`
	TimeZone     string     `json:"time_zone"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	LastError    string     `json:"last_error,omitempty"`
}

func runCalendarList(ctx context.Context, a *app, opts calendarListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	calendars, err := s.ListCalendars(ctx)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]calendarJSON, 0, len(calendars))
		for _, c := range calendars {
			j := calendarJSON{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Source: c.Source, TimeZone: c.TimeZone, LastError: c.LastError}
			if !c.LastSyncedAt.IsZero() {
				at := c.LastSyncedAt.UTC()
				j.LastSyncedAt = &at
			}
			out = append(out, j)
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"ID", "NAME", "KIND", "SOURCE", "TIME ZONE", "LAST SYNC (UTC)", "LAST ERROR"}}
	for _, c := range calendars {
		synced := "never"
		if !c.LastSyncedAt.IsZero() {
			synced = c.LastSyncedAt.UTC().Format("2006-01-02 15:04:05")
		}
		zone := c.TimeZone
		if zone == "" {
			zone = "(feed's, else members')"
		}
		t.add(itoa(c.ID), c.Name, string(c.Kind), c.Source, zone, synced, c.LastError)
	}
	return t.print(a.stdout)
}

type calendarRemoveOptions struct{ refs []string }

func newCalendarRemoveCmd(a *app) *cobra.Command {
	var opts calendarRemoveOptions
	return &cobra.Command{
		Use:   "remove NAME|ID...",
		Short: "Remove calendars with their events and rules; cancel their reminders",
		Long: `Remove calendars. Their events go with them, and so do the rules that watch
only them. The registrations for their events are cancelled with every
reminder not sent yet, and stay listed as history (registration list --all).`,
		Example: `  pfsnotify calendar remove indico`,
		Args:    minArgs(1, "at least one calendar NAME or ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.refs = args
			return runCalendarRemove(cmd.Context(), a, opts)
		},
	}
}

func runCalendarRemove(ctx context.Context, a *app, opts calendarRemoveOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	calendars := make([]store.Calendar, 0, len(opts.refs))
	for _, ref := range opts.refs {
		c, err := s.CalendarByRef(ctx, ref)
		if err != nil {
			return err // check them all before removing any
		}
		calendars = append(calendars, c)
	}
	for _, c := range calendars {
		removed, err := s.RemoveCalendar(ctx, c.ID)
		if err != nil {
			return err
		}
		a.printf("removed calendar %s (#%d); cancelled %s and %s", c.Name, c.ID,
			plural(removed.Registrations, "registration"), plural(removed.Deliveries, "pending reminder"))
	}
	return nil
}
