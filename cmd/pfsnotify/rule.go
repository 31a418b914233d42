package main

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newRuleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rule",
		Short: "Continuous registrations: remind a user, or every member of a group, of every event whose title matches",
		Long: `A rule registers a user for every calendar event whose title matches a
regular expression (RE2 syntax; add (?i) to ignore case). calendar-sync
applies the rules to the events it brings in.

A group rule (rule add --group) does it for every member of a group,
present and future, each on their own preferred channels and lead times
(user update --channels --leads). Group rules have ids of their own,
written g1, g2, ...: rule pause g1, rule remove g1. A member can mute one
for themself (rule mute g1 --user alice).`,
	}
	cmd.AddCommand(newRuleAddCmd(a), newRuleListCmd(a), newRuleActiveCmd(a, false), newRuleActiveCmd(a, true), newRuleRemoveCmd(a))
	cmd.AddCommand(newRuleMuteCmd(a, true), newRuleMuteCmd(a, false))
	cmd.AddCommand(newRuleTestCmd(a), newRuleNoticesCmd(a))
	return cmd
}

type ruleAddOptions struct {
	user, group, pattern, calendar, channels, leads string
}

func newRuleAddCmd(a *app) *cobra.Command {
	var opts ruleAddOptions
	cmd := &cobra.Command{
		Use:   "add (--user LOGIN --channel LIST --lead LIST | --group NAME [--channel LIST --lead LIST]) --pattern REGEXP [--calendar NAME|ID]",
		Short: "Remind a user, or every member of a group, of every event whose title matches a pattern",
		Long: `Remind a user of every event whose title matches a pattern, on the channels
and lead times given; or, with --group, every member of the group, present
and future, each on their own preferred channels and lead times (user
update --channels --leads). For a group, --channel and --lead are the
fallback for members who set no preferences (default: ` + store.DefaultGroupRuleChannels + `, ` + store.DefaultGroupRuleLeads + `).
The rule applies at once to the events already synced, then at each
calendar-sync. A member who joins the group gets its upcoming events at once
(group member add); one who leaves loses their pending reminders from it.`,
		Example: `  pfsnotify rule add --user alice --pattern '(?i)weekly telecon' --channel call --lead 5m
  pfsnotify rule add --user bob --pattern '^Collaboration meeting' --calendar indico --channel push,email --lead 1d,15m
  pfsnotify rule add --group drp --pattern '(?i)DRP telecon'
  pfsnotify rule add --group ops --pattern '^Night run' --calendar observatory --channel sms,email --lead 1h,10m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuleAdd(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.user, "user", "", "login of the person to remind (this or --group is required)")
	flags.StringVar(&opts.group, "group", "", "remind every member of this group, on their own preferences")
	flags.StringVar(&opts.pattern, "pattern", "", "RE2 regular expression matched against event titles (required)")
	flags.StringVar(&opts.calendar, "calendar", "", "only events of this calendar (name or id; default: every calendar)")
	flags.StringVar(&opts.channels, "channel", "", "channels, comma-separated: push,call,sms,email,webhook,log (required with --user; with --group, for members without preferences, default "+store.DefaultGroupRuleChannels+")")
	flags.StringVar(&opts.leads, "lead", "", "lead times before each event, comma-separated, e.g. 10m,2m (required with --user; with --group, for members without preferences, default "+store.DefaultGroupRuleLeads+")")
	return cmd
}

func runRuleAdd(ctx context.Context, a *app, opts ruleAddOptions) error {
	switch {
	case opts.group != "":
		return runGroupRuleAdd(ctx, a, opts)
	case opts.user == "":
		return usagef("--user or --group is required")
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
	var where string
	if r.CalendarID, where, err = calendarFlag(ctx, s, opts.calendar); err != nil {
		return err
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
	user, group string
	output      outputFormat
}

func newRuleListCmd(a *app) *cobra.Command {
	var opts ruleListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List rules",
		Long: `List rules: people's rules, then group rules (ids g1, g2, ...) with their
group, the channels and leads for members without preferences, and who
muted them.`,
		Example: `  pfsnotify rule list
  pfsnotify rule list --user alice -o json
  pfsnotify rule list --group drp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuleList(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.user, "user", "", "only this user's own rules")
	cmd.Flags().StringVar(&opts.group, "group", "", "only this group's rules")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type ruleJSON struct {
	ID        int64     `json:"id"`
	Ref       string    `json:"ref"` // "3", or "g3" for a group rule: what pause, resume, remove and mute take
	User      string    `json:"user,omitempty"`
	Group     string    `json:"group,omitempty"` // a group rule's; its channels and leads are for members without preferences
	Muted     *[]string `json:"muted,omitempty"` // a group rule's: logins of the members who muted it`
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
	if opts.user != "" && opts.group != "" {
		return usagef("--user and --group exclude each other")
	}
	var filter store.RuleFilter
	var rules []store.RuleView
	var groupRules []store.GroupRuleView
	if opts.group != "" {
		g, err := s.GroupByName(ctx, opts.group)
		if err != nil {
			return err
		}
		if groupRules, err = s.ListGroupRules(ctx, g.ID); err != nil {
			return err
		}
		return printRuleList(a, opts, nil, groupRules)
	}
	if opts.user != "" {
		u, err := userFlag(ctx, s, opts.user)
		if err != nil {
			return err
		}
		filter.UserID = u.ID
	}
	rules, err = s.ListRules(ctx, filter)
	if err != nil {
		return err
	}
	if opts.user == "" {
		if groupRules, err = s.ListGroupRules(ctx, 0); err != nil {
			return err
		}
	}
	return printRuleList(a, opts, rules, groupRules)
}

func printRuleList(a *app, opts ruleListOptions, rules []store.RuleView, groupRules []store.GroupRuleView) error {
	if opts.output == "json" {
		out := make([]ruleJSON, 0, len(rules)+len(groupRules))
		for _, r := range rules {
			out = append(out, ruleJSON{ID: r.ID, Ref: itoa(r.ID), User: r.UserLogin, Pattern: r.Pattern, Calendar: r.CalendarName,
				Channels: strings.Split(schedule.FormatChannels(r.Channels), ","), Leads: strings.Split(schedule.FormatLeads(r.Leads), ","),
				Active: r.Active, CreatedAt: r.CreatedAt.UTC()})
		}
		return printJSON(a.stdout, append(out, groupRulesJSON(groupRules)...))
	}
	if len(groupRules) > 0 && len(rules) == 0 {
		return printGroupRules(a, groupRules)
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
	if err := t.print(a.stdout); err != nil || len(groupRules) == 0 {
		return err
	}
	if _, err := io.WriteString(a.stdout, "\n"); err != nil {
		return err
	}
	return printGroupRules(a, groupRules)
}

type ruleActiveOptions struct {
	refs   []ruleRef
	active bool
}

func newRuleActiveCmd(a *app, active bool) *cobra.Command {
	opts := ruleActiveOptions{active: active}
	cmd := &cobra.Command{
		Use:   "pause ID...",
		Short: "Pause rules: calendar-sync makes no new registrations from them",
		Example: `  pfsnotify rule pause 3
  pfsnotify rule pause g1      # a group rule`,
		Args: minArgs(1, "at least one rule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			refs, err := parseRuleRefs(args)
			if err != nil {
				return err
			}
			opts.refs = refs
			return runRuleActive(cmd.Context(), a, opts)
		},
	}
	if active {
		cmd.Use, cmd.Short, cmd.Example = "resume ID...", "Resume paused rules", `  pfsnotify rule resume 3
  pfsnotify rule resume g1     # a group rule: its members get the upcoming events at once`
	}
	return cmd
}

func runRuleActive(ctx context.Context, a *app, opts ruleActiveOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, ref := range opts.refs {
		if err := checkRuleRef(ctx, s, ref); err != nil {
			return err // check them all before changing any
		}
	}
	verb := "paused"
	if opts.active {
		verb = "resumed"
	}
	for _, ref := range opts.refs {
		if !ref.group {
			if err := s.SetRuleActive(ctx, ref.id, opts.active); err != nil {
				return err
			}
			a.printf("%s rule %s", verb, ref)
			continue
		}
		if err := s.SetGroupRuleActive(ctx, ref.id, opts.active); err != nil {
			return err
		}
		a.printf("%s group rule %s", verb, ref)
		if opts.active {
			applyGroupRules(ctx, a, s, store.MemberRuleFilter{GroupRuleID: ref.id})
		}
	}
	return nil
}

type ruleRemoveOptions struct{ refs []ruleRef }

func newRuleRemoveCmd(a *app) *cobra.Command {
	var opts ruleRemoveOptions
	return &cobra.Command{
		Use:   "remove ID...",
		Short: "Remove rules and cancel the future reminders they made",
		Long: `Remove rules. The registrations a rule made (a group rule: for every member)
are cancelled with their pending reminders; they stay listed as history
(registration list --all).`,
		Example: `  pfsnotify rule remove 3
  pfsnotify rule remove g1     # a group rule`,
		Args: minArgs(1, "at least one rule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			refs, err := parseRuleRefs(args)
			if err != nil {
				return err
			}
			opts.refs = refs
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
	for _, ref := range opts.refs {
		if err := checkRuleRef(ctx, s, ref); err != nil {
			return err // check them all before changing any
		}
	}
	for _, ref := range opts.refs {
		remove, what := s.RemoveRule, "rule"
		if ref.group {
			remove, what = s.RemoveGroupRule, "group rule"
		}
		removed, err := remove(ctx, ref.id)
		if err != nil {
			return err
		}
		a.printf("removed %s %s; cancelled %s and %s", what, ref, plural(removed.Registrations, "registration"), plural(removed.Deliveries, "pending reminder"))
	}
	return nil
}

// calendarFlag finds the calendar a --calendar flag names ("": every
// calendar, id 0) and says which, for the confirmation line.
func calendarFlag(ctx context.Context, s *store.Store, ref string) (int64, string, error) {
	if ref == "" {
		return 0, "every calendar", nil
	}
	c, err := s.CalendarByRef(ctx, ref)
	if err != nil {
		return 0, "", err
	}
	return c.ID, "calendar " + c.Name, nil
}
