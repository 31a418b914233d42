package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// ruleRef names a person's rule ("3") or a group rule ("g3").
type ruleRef struct {
	id    int64
	group bool
}

func (r ruleRef) String() string {
	if r.group {
		return "g" + itoa(r.id)
	}
	return "#" + itoa(r.id)
}

// parseRuleRefs reads rule ids: 3 (or #3) for a person's rule, g3 for a
// group rule.
func parseRuleRefs(args []string) ([]ruleRef, error) {
	refs := make([]ruleRef, 0, len(args))
	for _, arg := range args {
		digits, group := strings.CutPrefix(strings.ToLower(trimHash(arg)), "g")
		id, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("rule id %q is not a positive number (a person's rule, 3) or g and one (a group rule, g3)", arg)
		}
		refs = append(refs, ruleRef{id: id, group: group})
	}
	return refs, nil
}

// checkRuleRef finds the rule ref names: a not-found error if none.
func checkRuleRef(ctx context.Context, s *store.Store, ref ruleRef) error {
	if ref.group {
		_, err := s.GroupRuleByID(ctx, ref.id)
		return err
	}
	_, err := s.RuleByID(ctx, ref.id)
	return err
}

func runGroupRuleAdd(ctx context.Context, a *app, opts ruleAddOptions) error {
	if opts.user != "" {
		return usagef("--user and --group exclude each other: a rule is for one person or for a group")
	}
	if opts.pattern == "" {
		return usagef("--pattern is required, e.g. --pattern '(?i)DRP telecon'")
	}
	if opts.channels == "" {
		opts.channels = store.DefaultGroupRuleChannels
	}
	if opts.leads == "" {
		opts.leads = store.DefaultGroupRuleLeads
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
	g, err := s.GroupByName(ctx, opts.group)
	if errors.Is(err, store.ErrNotFound) { // exit status 1, as rule add --user nobody
		return notFoundf("group: no group %q (see pfsnotify group list)", opts.group)
	}
	if err != nil {
		return err
	}
	r := store.GroupRule{GroupID: g.ID, Pattern: opts.pattern, Channels: channels, Leads: leads}
	var where string
	if r.CalendarID, where, err = calendarFlag(ctx, s, opts.calendar); err != nil {
		return err
	}
	if r, err = s.CreateGroupRule(ctx, r); err != nil {
		return err
	}
	a.printf("added group rule g%d for group %s: events matching %q in %s, on each member's preferences (else %s, %s before)",
		r.ID, r.GroupName, r.Pattern, where, schedule.FormatChannels(r.Channels), schedule.FormatLeads(r.Leads))
	applyGroupRules(ctx, a, s, store.MemberRuleFilter{GroupRuleID: r.ID})
	return nil
}

// applyGroupRules applies the group rules f selects to the events already
// synced, so that a new rule, a member who joins or unmutes one get their
// reminders at once; calendar-sync does it at its next run otherwise.
func applyGroupRules(ctx context.Context, a *app, s *store.Store, f store.MemberRuleFilter) {
	applied, err := calsync.ApplyGroupRules(ctx, s, f, calsync.OptionsFromConfig(a.cfg.Calsync), time.Now())
	if err != nil {
		a.warnf("applying group rules to the events already synced failed (the next calendar-sync will): %v", err)
		return
	}
	if n := applied.Created + applied.Revived; n > 0 {
		a.printf("registered members for %s already synced (%s)", plural(n, "upcoming event"), plural(applied.Deliveries, "reminder"))
	}
}

type ruleMuteOptions struct {
	ref  ruleRef
	user string
	mute bool
}

func newRuleMuteCmd(a *app, mute bool) *cobra.Command {
	opts := ruleMuteOptions{mute: mute}
	cmd := &cobra.Command{
		Use:   "mute ID --user LOGIN",
		Short: "Mute a group rule for one member: cancels their pending reminders from it and stops new ones",
		Long: `Mute a group rule (g3) for one member: their pending reminders from it are
cancelled and it makes them none, while the rest of the group is reminded
as before. Their own rules and registrations are untouched.`,
		Example: `  pfsnotify rule mute g3 --user alice`,
		Args:    exactArgs(1, "a group rule ID, e.g. g3"),
		RunE: func(cmd *cobra.Command, args []string) error {
			refs, err := parseRuleRefs(args)
			if err != nil {
				return err
			}
			opts.ref = ruleRef{id: refs[0].id, group: true} // only group rules are muted: 3 is g3
			return runRuleMute(cmd.Context(), a, opts)
		},
	}
	if !mute {
		cmd.Use, cmd.Short, cmd.Example = "unmute ID --user LOGIN", "Unmute a group rule for one member: their upcoming reminders from it come back",
			`  pfsnotify rule unmute g3 --user alice`
		cmd.Long = `Unmute a group rule (g3) for one member: it reminds them again, and the
reminders of upcoming events already synced come back at once.`
	}
	cmd.Flags().StringVar(&opts.user, "user", "", "login of the member (required)")
	return cmd
}

func runRuleMute(ctx context.Context, a *app, opts ruleMuteOptions) error {
	if opts.user == "" {
		return usagef("--user is required: the member who mutes the rule for themself")
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
	if err := checkRuleRef(ctx, s, opts.ref); err != nil {
		return err
	}
	if opts.mute {
		muted, err := s.MuteGroupRule(ctx, opts.ref.id, u.ID)
		if err != nil {
			return err
		}
		a.printf("muted group rule %s for %s; cancelled %s and %s", opts.ref, u.Login, plural(muted.Registrations, "registration"),
			plural(muted.Deliveries, "pending reminder"))
		return nil
	}
	was, err := s.UnmuteGroupRule(ctx, opts.ref.id, u.ID)
	if err != nil {
		return err
	}
	if !was {
		a.printf("group rule %s was not muted for %s", opts.ref, u.Login)
		return nil
	}
	a.printf("unmuted group rule %s for %s", opts.ref, u.Login)
	applyGroupRules(ctx, a, s, store.MemberRuleFilter{GroupRuleID: opts.ref.id, UserID: u.ID})
	return nil
}

// groupRuleRows adds the group rules to a rule list.
func groupRulesJSON(rules []store.GroupRuleView) []ruleJSON {
	out := make([]ruleJSON, 0, len(rules))
	for _, r := range rules {
		muted := r.Muted
		if muted == nil {
			muted = []string{}
		}
		out = append(out, ruleJSON{ID: r.ID, Ref: "g" + itoa(r.ID), Group: r.GroupName, Pattern: r.Pattern, Calendar: r.CalendarName,
			Channels: strings.Split(schedule.FormatChannels(r.Channels), ","), Leads: strings.Split(schedule.FormatLeads(r.Leads), ","),
			Active: r.Active, Muted: &muted, CreatedAt: r.CreatedAt.UTC()})
	}
	return out
}

func printGroupRules(a *app, rules []store.GroupRuleView) error {
	t := table{header: []string{"ID", "GROUP", "PATTERN", "CALENDAR", "FALLBACK CHANNELS", "FALLBACK LEADS", "MUTED BY", "STATUS"}}
	for _, r := range rules {
		calendar, status, muted := r.CalendarName, "active", strings.Join(r.Muted, ",")
		if calendar == "" {
			calendar = "(all)"
		}
		if !r.Active {
			status = "paused"
		}
		if muted == "" {
			muted = "-"
		}
		t.add("g"+itoa(r.ID), r.GroupName, r.Pattern, calendar, schedule.FormatChannels(r.Channels), schedule.FormatLeads(r.Leads), muted, status)
	}
	return t.print(a.stdout)
}
