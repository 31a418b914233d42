package calsync

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// compiledRule is an active rule of an enabled user, or a group rule as it
// applies to one member (GroupRuleID set), its pattern compiled.
type compiledRule struct {
	store.Rule
	re *regexp.Regexp
}

// activeRules lists the rules that apply to calendar calendarID and make
// registrations: active ones of enabled users, and active group rules for
// each member who has not muted them.
func activeRules(ctx context.Context, s *store.Store, calendarID int64) ([]compiledRule, error) {
	views, err := s.ListRules(ctx, store.RuleFilter{CalendarID: calendarID, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	members, err := s.MemberRules(ctx, store.MemberRuleFilter{CalendarID: calendarID})
	if err != nil {
		return nil, err
	}
	rules := make([]store.Rule, 0, len(views)+len(members))
	for _, v := range views {
		if !v.UserDisabled {
			rules = append(rules, v.Rule)
		}
	}
	for _, m := range members {
		rules = append(rules, m.Rule)
	}
	return compileRules(rules), nil
}

// planRules decides what the rules call for on events (the confirmed
// upcoming events of one calendar), given the registrations those events
// have. A rule here is a person's rule or a group rule for one member; a
// registration belongs to the rule of its origin and person:
//   - a rule that matches an event for which it has no registration makes
//     one, unless its person registered for that event by hand (and may have
//     cancelled it: a person's own decision about an event wins);
//   - a group rule makes none either when one of the person's own rules
//     did (or does now): their own rule says how they want to be reminded
//     of it; two group rules that both match make one each, and the
//     dispatcher sends each reminder (channel, lead) once
//     (store.Claim.DuplicateOf);
//   - an active registration of a rule whose event no longer matches it
//     (the event was renamed) is cancelled as unmatched;
//   - a registration cancelled as unmatched (or set aside when its person
//     left the group or muted the rule) whose event matches again comes
//     back;
//   - a registration cancelled by its person stays cancelled.
//
// Registrations of rules not in rules (paused, removed, of a disabled
// user, muted, of a group the person left) are left alone.
func planRules(rules []compiledRule, events []store.Event, regs []store.EventRegistration) store.RuleChanges {
	type personEvent struct{ user, event int64 }
	type ruleOf struct { // a rule as it applies to one person
		origin string
		user   int64
	}
	type ruleEvent struct {
		ruleOf
		event int64
	}
	byEventRule := make(map[ruleEvent]store.EventRegistration, len(regs))
	byEvent := make(map[int64][]store.EventRegistration) // the rule registrations of each event
	manual := make(map[personEvent]bool)
	own := make(map[personEvent]bool) // made by one of the person's own rules
	active := make(map[ruleOf]bool, len(rules))
	for _, r := range rules {
		active[ruleOf{r.Origin(), r.UserID}] = true
	}
	for _, r := range regs {
		switch {
		case r.RuleID != 0 || store.GroupRuleOfOrigin(r.Origin) != 0:
			byEventRule[ruleEvent{ruleOf{r.Origin, r.UserID}, r.EventID}] = r
			byEvent[r.EventID] = append(byEvent[r.EventID], r)
			if r.RuleID != 0 {
				own[personEvent{r.UserID, r.EventID}] = true
			}
		case r.Origin == store.OriginManual:
			manual[personEvent{r.UserID, r.EventID}] = true
		}
	}
	matching := make(map[string][]int) // title -> indexes of the rules it matches, a person's first
	var c store.RuleChanges
	for _, ev := range events {
		idx, ok := matching[ev.Title]
		if !ok {
			idx = matchTitle(rules, ev.Title)
			matching[ev.Title] = idx
		}
		matched := make(map[ruleOf]bool, len(idx))
		for _, i := range idx {
			r := rules[i]
			k, person := ruleOf{r.Origin(), r.UserID}, personEvent{r.UserID, ev.ID}
			matched[k] = true
			reg, has := byEventRule[ruleEvent{k, ev.ID}]
			switch {
			case !has && !manual[person] && (r.GroupRuleID == 0 || !own[person]):
				c.Create = append(c.Create, store.RuleMatch{Rule: r.Rule, Event: ev})
				if r.GroupRuleID == 0 {
					own[person] = true
				}
			case has && reg.Status == store.RegistrationCancelled && reg.Unmatched:
				c.Revive = append(c.Revive, reg.ID)
			}
		}
		for _, reg := range byEvent[ev.ID] {
			k := ruleOf{reg.Origin, reg.UserID}
			if active[k] && !matched[k] && reg.Status == store.RegistrationActive {
				c.Unmatch = append(c.Unmatch, reg.ID)
			}
		}
	}
	return c
}

// matchTitle returns the indexes of the rules whose pattern matches title,
// people's own rules first; each pattern (shared by a group rule's
// members) is run once.
func matchTitle(rules []compiledRule, title string) []int {
	var own, group []int
	hit := make(map[*regexp.Regexp]bool)
	for i, r := range rules {
		ok, known := hit[r.re]
		if !known {
			ok = r.re.MatchString(title)
			hit[r.re] = ok
		}
		switch {
		case !ok:
		case r.GroupRuleID == 0:
			own = append(own, i)
		default:
			group = append(group, i)
		}
	}
	return append(own, group...)
}

// ApplyRule applies a rule just made to the upcoming events already synced
// (within opts.Horizon of now), without fetching anything: a new rule works
// at once, not at the next calendar-sync. It makes registrations only.
func ApplyRule(ctx context.Context, s *store.Store, rule store.Rule, opts Options, now time.Time) (store.RuleChangesApplied, error) {
	if _, err := regexp.Compile(rule.Pattern); err != nil {
		return store.RuleChangesApplied{}, &store.FieldError{Field: "pattern", Problem: err.Error()}
	}
	return applySynced(ctx, s, []store.Rule{rule}, false, opts, now)
}

// ApplyGroupRules applies the active group rules f selects, for each of
// their members, to the upcoming events already synced, without fetching
// anything: a new group rule, a member who joins, a member who unmutes
// one, get their reminders at once rather than at the next calendar-sync.
// It makes registrations, and brings back those set aside when a member
// left or muted the rule.
func ApplyGroupRules(ctx context.Context, s *store.Store, f store.MemberRuleFilter, opts Options, now time.Time) (store.RuleChangesApplied, error) {
	members, err := s.MemberRules(ctx, f)
	if err != nil {
		return store.RuleChangesApplied{}, err
	}
	rules := make([]store.Rule, len(members))
	for i, m := range members {
		rules[i] = m.Rule
	}
	return applySynced(ctx, s, rules, true, opts, now)
}

// applySynced plans rules against the upcoming events of the calendars
// they watch and makes the registrations they call for (and, with revive,
// brings back those set aside).
func applySynced(ctx context.Context, s *store.Store, rules []store.Rule, revive bool, opts Options, now time.Time) (store.RuleChangesApplied, error) {
	opts = opts.withDefaults()
	var total store.RuleChangesApplied
	if len(rules) == 0 {
		return total, nil
	}
	calendars, err := s.ListCalendars(ctx)
	if err != nil {
		return total, err
	}
	compiled := compileRules(rules)
	for _, cal := range calendars {
		var these []compiledRule
		for _, r := range compiled {
			if r.CalendarID == 0 || r.CalendarID == cal.ID {
				these = append(these, r)
			}
		}
		if len(these) == 0 {
			continue
		}
		events, err := s.ListEvents(ctx, store.EventFilter{CalendarID: cal.ID, From: now, To: now.Add(opts.Horizon)})
		if err != nil {
			return total, err
		}
		regs, err := s.RegistrationsOfCalendar(ctx, cal.ID, now, now.Add(opts.Horizon))
		if err != nil {
			return total, err
		}
		plan := planRules(these, events, regs)
		changes := store.RuleChanges{Create: plan.Create, AllDayAt: opts.AllDayAt}
		if revive {
			changes.Revive = plan.Revive
		}
		applied, err := s.ApplyRuleChanges(ctx, changes)
		if err != nil {
			return total, fmt.Errorf("apply rules to calendar %s: %w", cal.Name, err)
		}
		total.Created += applied.Created
		total.Deliveries += applied.Deliveries
		total.Revived += applied.Revived
		total.TooLate += applied.TooLate
		total.Skipped += applied.Skipped
	}
	return total, nil
}
