package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newRuleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rule",
		Short: "Continuous registrations: remind a user of every event whose title matches",
		Long: `A rule registers a user for every calendar event whose title matches a
regular expression (RE2 syntax; add (?i) to ignore case). calendar-sync
applies the rules to the events it brings in.`,
	}
	cmd.AddCommand(newRuleAddCmd(a), newRuleListCmd(a), newRuleActiveCmd(a, false), newRuleActiveCmd(a, true), newRuleRemoveCmd(a))
	cmd.AddCommand(newRuleTestCmd(a), newRuleNoticesCmd(a))
	return cmd
}

type ruleAddOptions struct {
	user, pattern, calendar, channels, leads string
}

func newRuleAddCmd(a *app) *cobra.Command {
	var opts ruleAddOptions
	cmd := &cobra.Command{
		Use:   "add --user LOGIN --pattern REGEXP --channel LIST --lead LIST [--calendar NAME|ID]",
		Short: "Remind a user of every event whose title matches a pattern",
		Example: `  pfsnotify rule add --user alice --pattern '(?i)weekly telecon' --channel call --lead 5m
  pfsnotify rule add --user bob --pattern '^Collaboration meeting' --calendar indico --channel push,email --lead 1d,15m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuleAdd(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.user, "user", "", "login of the person to remind (required)")
	flags.StringVar(&opts.pattern, "pattern", "", "RE2 regular expression matched against event titles (required)")
	flags.StringVar(&opts.calendar, "calendar", "", "only events of this calendar (name or id; default: every calendar)")
	flags.StringVar(&opts.channels, "channel", "", "channels, comma-separated: push,call,sms,email,webhook,log (required)")
	flags.StringVar(&opts.leads, "lead", "", "lead times before each event, comma-separated, e.g. 10m,2m (required)")
	return cmd
}

func runRuleAdd(ctx context.Context, a *app, opts ruleAddOptions) error {
	switch {
	case opts.user == "":
		return usagef("--user is required")
	case opts.pattern == "":
		return usagef("--pattern is required, e.g. --pattern '(?i)weekly telecon'")
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
	r := store.Rule{UserID: u.ID, Pattern: opts.pattern, Channels: channels, Leads: leads, Active: true}
	where := "every calendar"
	if opts.calendar != "" {
		c, err := s.CalendarByRef(ctx, opts.calendar)
		if err != nil {
			return err
		}
		r.CalendarID, where = c.ID, "calendar "+c.Name
	}
	if r, err = s.CreateRule(ctx, r); err != nil {
		return err
	}
	a.printf("added rule #%d for %s: events matching %q in %s, %s, %s before", r.ID, u.Login, r.Pattern, where,
		schedule.FormatChannels(r.Channels), schedule.FormatLeads(r.Leads))
	applyNewRule(ctx, a, s, r, u.Login)
	return nil
}

type ruleListOptions struct {
	user   string
	output outputFormat
}

func newRuleListCmd(a *app) *cobra.Command {
	var opts ruleListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List rules",
		Example: `  pfsnotify rule list
  pfsnotify rule list --user alice -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuleList(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.user, "user", "", "only this user's rules")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type ruleJSON struct {
	ID        int64     `json:"id"`
	User      string    `json:"user"`
	Pattern   string    `json:"pattern"`
	Calendar  string    `json:"calendar,omitempty"`
	Channels  []string  `json:"channels"`
	Leads     []string  `json:"leads"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

func runRuleList(ctx context.Context, a *app, opts ruleListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var filter store.RuleFilter
	if opts.user != "" {
		u, err := userFlag(ctx, s, opts.user)
		if err != nil {
			return err
		}
		filter.UserID = u.ID
	}
	rules, err := s.ListRules(ctx, filter)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]ruleJSON, 0, len(rules))
		for _, r := range rules {
			out = append(out, ruleJSON{ID: r.ID, User: r.UserLogin, Pattern: r.Pattern, Calendar: r.CalendarName,
				Channels: strings.Split(schedule.FormatChannels(r.Channels), ","), Leads: strings.Split(schedule.FormatLeads(r.Leads), ","),
				Active: r.Active, CreatedAt: r.CreatedAt.UTC()})
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"ID", "USER", "PATTERN", "CALENDAR", "CHANNELS", "LEADS", "STATUS"}}
	for _, r := range rules {
		calendar, status := r.CalendarName, "active"
		if calendar == "" {
			calendar = "(all)"
		}
		if !r.Active {
			status = "paused"
		}
		t.add(itoa(r.ID), r.UserLogin, r.Pattern, calendar, schedule.FormatChannels(r.Channels), schedule.FormatLeads(r.Leads), status)
	}
	return t.print(a.stdout)
}

type ruleActiveOptions struct {
	ids    []int64
	active bool
}

func newRuleActiveCmd(a *app, active bool) *cobra.Command {
	opts := ruleActiveOptions{active: active}
	cmd := &cobra.Command{
		Use:     "pause ID...",
		Short:   "Pause rules: calendar-sync makes no new registrations from them",
		Example: `  pfsnotify rule pause 3`,
		Args:    minArgs(1, "at least one rule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs("rule", args)
			if err != nil {
				return err
			}
			opts.ids = ids
			return runRuleActive(cmd.Context(), a, opts)
		},
	}
	if active {
		cmd.Use, cmd.Short, cmd.Example = "resume ID...", "Resume paused rules", `  pfsnotify rule resume 3`
	}
	return cmd
}

func runRuleActive(ctx context.Context, a *app, opts ruleActiveOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, id := range opts.ids {
		if _, err := s.RuleByID(ctx, id); err != nil {
			return err // check them all before changing any
		}
	}
	verb := "paused"
	if opts.active {
		verb = "resumed"
	}
	for _, id := range opts.ids {
		if err := s.SetRuleActive(ctx, id, opts.active); err != nil {
			return err
		}
		a.printf("%s rule #%d", verb, id)
	}
	return nil
}

type ruleRemoveOptions struct{ ids []int64 }

func newRuleRemoveCmd(a *app) *cobra.Command {
	var opts ruleRemoveOptions
	return &cobra.Command{
		Use:   "remove ID...",
		Short: "Remove rules and cancel the future reminders they made",
		Long: `Remove rules. The registrations a rule made are cancelled with their pending
reminders; they stay listed as history (registration list --all).`,
		Example: `  pfsnotify rule remove 3`,
		Args:    minArgs(1, "at least one rule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs("rule", args)
			if err != nil {
				return err
			}
			opts.ids = ids
			return runRuleRemove(cmd.Context(), a, opts)
		},
	}
}

func runRuleRemove(ctx context.Context, a *app, opts ruleRemoveOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, id := range opts.ids {
		if _, err := s.RuleByID(ctx, id); err != nil {
			return err // check them all before changing any
		}
	}
	for _, id := range opts.ids {
		removed, err := s.RemoveRule(ctx, id)
		if err != nil {
			return err
		}
		a.printf("removed rule #%d; cancelled %s and %s", id, plural(removed.Registrations, "registration"), plural(removed.Deliveries, "pending reminder"))
	}
	return nil
}
