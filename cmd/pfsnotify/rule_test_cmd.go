package main

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type ruleTestOptions struct {
	pattern, calendar, timeZone string
	limit                       int
	output                      outputFormat
}

func newRuleTestCmd(a *app) *cobra.Command {
	var opts ruleTestOptions
	cmd := &cobra.Command{
		Use:   "test --pattern REGEXP [--calendar NAME|ID] [--tz ZONE] [--limit N]",
		Short: "Show which upcoming synced events a pattern would match",
		Long: `Show the upcoming calendar events (within calsync.horizon, 90 days by
default, as calendar-sync last brought them in) whose title a pattern
matches, before making it a rule. The pattern is RE2, as in rule add;
(?i) ignores case.`,
		Example: `  pfsnotify rule test --pattern '(?i)weekly telecon'
  pfsnotify rule test --pattern '^Collaboration meeting' --calendar indico --tz Asia/Tokyo -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuleTest(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.pattern, "pattern", "", "RE2 regular expression matched against event titles (required)")
	flags.StringVar(&opts.calendar, "calendar", "", "only events of this calendar (name or id)")
	flags.StringVar(&opts.timeZone, "tz", "", "IANA zone to show times in (default: defaults.time_zone)")
	flags.IntVar(&opts.limit, "limit", 50, "show at most this many events (0: all)")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type ruleTestJSON struct {
	EventID  int64     `json:"event_id"`
	Calendar string    `json:"calendar"`
	Title    string    `json:"title"`
	Start    time.Time `json:"start"`
	TimeZone string    `json:"time_zone"`
	AllDay   bool      `json:"all_day"`
}

func runRuleTest(ctx context.Context, a *app, opts ruleTestOptions) error {
	if opts.pattern == "" {
		return usagef("--pattern is required, e.g. --pattern '(?i)weekly telecon'")
	}
	if opts.limit < 0 {
		return usagef("--limit %d is negative", opts.limit)
	}
	re, err := regexp.Compile(opts.pattern)
	if err != nil {
		return &store.FieldError{Field: "pattern", Problem: err.Error()}
	}
	loc, err := a.tzFlag(opts.timeZone)
	if err != nil {
		return err
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	now, horizon := time.Now(), a.cfg.Calsync.Horizon
	filter := store.EventFilter{From: now, To: now.Add(horizon), TitlePattern: re, Limit: opts.limit}
	calendars, err := s.ListCalendars(ctx)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(calendars))
	for _, c := range calendars {
		names[c.ID] = c.Name
	}
	if opts.calendar != "" {
		c, err := s.CalendarByRef(ctx, opts.calendar)
		if err != nil {
			return err
		}
		filter.CalendarID = c.ID
	}
	events, err := s.ListEvents(ctx, filter)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]ruleTestJSON, 0, len(events))
		for _, e := range events {
			out = append(out, ruleTestJSON{EventID: e.ID, Calendar: names[e.CalendarID], Title: e.Title, Start: e.StartAt.UTC(),
				TimeZone: e.TimeZone, AllDay: e.AllDay})
		}
		return printJSON(a.stdout, out)
	}
	if len(events) == 0 {
		a.printf("no upcoming event in the next %s matches %q", schedule.HumanLead(horizon), opts.pattern)
		return nil
	}
	t := table{header: []string{"EVENT", "CALENDAR", "START (" + loc.String() + ")", "TITLE"}}
	for _, e := range events {
		start := schedule.FormatInZone(e.StartAt, loc)
		if e.AllDay {
			start = e.StartAt.In(zoneOrUTC(e.TimeZone)).Format(time.DateOnly) + " (all day)"
		}
		t.add(itoa(e.ID), names[e.CalendarID], start, e.Title)
	}
	if err := t.print(a.stdout); err != nil {
		return err
	}
	more := ""
	if opts.limit > 0 && len(events) == opts.limit {
		more = fmt.Sprintf(" (the first %d; --limit 0 shows all)", opts.limit)
	}
	verb := "match"
	if len(events) == 1 {
		verb = "matches"
	}
	a.printf("%s in the next %s %s%s", plural(len(events), "upcoming event"), schedule.HumanLead(horizon), verb, more)
	return nil
}

type ruleNoticesOptions struct {
	ref              ruleRef
	moved, cancelled string
}

func newRuleNoticesCmd(a *app) *cobra.Command {
	var opts ruleNoticesOptions
	cmd := &cobra.Command{
		Use:   "notices ID [--moved on|off] [--cancelled on|off]",
		Short: "Whether a rule's registrations are told that their event moved or was cancelled",
		Long: `When an event moves or is cancelled within calsync.notice_window (24 hours by
default) of now, the people registered for it are told through their
channels. Each rule can turn that off for moves, cancellations, or both:
a person's rule (3) for the registrations it made, a group rule (g3) for
those it made for every member of its group. Without flags, show the
rule's setting.`,
		Example: `  pfsnotify rule notices 3
  pfsnotify rule notices 3 --moved off
  pfsnotify rule notices g2 --moved off --cancelled on`,
		Args: exactArgs(1, "one rule ID, e.g. 3 or g3"),
		RunE: func(cmd *cobra.Command, args []string) error {
			refs, err := parseRuleRefs(args)
			if err != nil {
				return err
			}
			opts.ref = refs[0]
			return runRuleNotices(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.moved, "moved", "", "on or off: tell of moves")
	cmd.Flags().StringVar(&opts.cancelled, "cancelled", "", "on or off: tell of cancellations")
	return cmd
}

func runRuleNotices(ctx context.Context, a *app, opts ruleNoticesOptions) error {
	onOff := func(flag, v string, cur bool) (bool, error) {
		switch v {
		case "":
			return cur, nil
		case "on", "true", "yes":
			return true, nil
		case "off", "false", "no":
			return false, nil
		}
		return false, &store.FieldError{Field: flag, Problem: fmt.Sprintf("%q is neither on nor off", v)}
	}
	if _, err := onOff("moved", opts.moved, false); err != nil {
		return err
	}
	if _, err := onOff("cancelled", opts.cancelled, false); err != nil {
		return err
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	get, set, what := s.RuleNotices, s.SetRuleNotices, "rule "+opts.ref.String()
	if opts.ref.group {
		get, set, what = s.GroupRuleNotices, s.SetGroupRuleNotices, "group rule "+opts.ref.String()
	}
	n, err := get(ctx, opts.ref.id)
	if err != nil {
		return err
	}
	if opts.moved != "" || opts.cancelled != "" {
		n.Moved, _ = onOff("moved", opts.moved, n.Moved)
		n.Cancelled, _ = onOff("cancelled", opts.cancelled, n.Cancelled)
		if err := set(ctx, opts.ref.id, n); err != nil {
			return err
		}
	}
	word := map[bool]string{true: "on", false: "off"}
	within := fmt.Sprintf("within %s of now", schedule.HumanLead(a.cfg.Calsync.NoticeWindow))
	if a.cfg.Calsync.NoticeWindow <= 0 {
		within = "but calsync.notice_window is 0: nobody is told"
	}
	a.printf("%s: notices of moves %s, of cancellations %s (%s)", what, word[n.Moved], word[n.Cancelled], within)
	return nil
}
