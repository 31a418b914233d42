package calsync

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// compiledRule is an active rule of an enabled user, its pattern compiled.
type compiledRule struct {
	store.Rule
	re *regexp.Regexp
}

// activeRules lists the rules that apply to calendar calendarID and make
// registrations: active ones of enabled users.
func activeRules(ctx context.Context, s *store.Store, calendarID int64) ([]compiledRule, error) {
	views, err := s.ListRules(ctx, store.RuleFilter{CalendarID: calendarID, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	out := make([]compiledRule, 0, len(views))
	for _, v := range views {
		if v.UserDisabled {
			continue
		}
		re, err := regexp.Compile(v.Pattern)
		if err != nil { // the store checks patterns; one that no longer compiles is skipped, not fatal
			continue
		}
		out = append(out, compiledRule{Rule: v.Rule, re: re})
	}
	return out, nil
}

// planRules decides what the rules call for on events (the confirmed
// upcoming events of one calendar), given the registrations those events
// have:
//   - a rule that matches an event for which it has no registration makes
//     one, unless its user registered for that event by hand (and may have
//     cancelled it: a person's own decision about an event wins);
//   - an active registration of a rule whose event no longer matches it
//     (the event was renamed) is cancelled as unmatched;
//   - a registration cancelled as unmatched whose event matches again
//     comes back;
//   - a registration cancelled by its user stays cancelled.
//
// Registrations of rules not in rules (paused, removed, of a disabled
// user) are left alone.
func planRules(rules []compiledRule, events []store.Event, regs []store.EventRegistration) store.RuleChanges {
	type key struct{ a, b int64 }
	byEventRule := make(map[key]store.EventRegistration, len(regs))
	byEvent := make(map[int64][]store.EventRegistration) // the rule registrations of each event
	manual := make(map[key]bool)                         // (user, event)
	active := make(map[int64]bool, len(rules))
	for _, r := range rules {
		active[r.ID] = true
	}
	for _, r := range regs {
		switch {
		case r.RuleID != 0:
			byEventRule[key{r.EventID, r.RuleID}] = r
			byEvent[r.EventID] = append(byEvent[r.EventID], r)
		case r.Origin == store.OriginManual:
			manual[key{r.UserID, r.EventID}] = true
		}
	}
	matching := make(map[string][]int) // title -> indexes of the rules it matches
	var c store.RuleChanges
	for _, ev := range events {
		idx, ok := matching[ev.Title]
		if !ok {
			idx = []int{}
			for i, r := range rules {
				if r.re.MatchString(ev.Title) {
					idx = append(idx, i)
				}
			}
			matching[ev.Title] = idx
		}
		matched := make(map[int64]bool, len(idx))
		for _, i := range idx {
			r := rules[i]
			matched[r.ID] = true
			reg, has := byEventRule[key{ev.ID, r.ID}]
			switch {
			case !has && !manual[key{r.UserID, ev.ID}]:
				c.Create = append(c.Create, store.RuleMatch{Rule: r.Rule, Event: ev})
			case has && reg.Status == store.RegistrationCancelled && reg.Unmatched:
				c.Revive = append(c.Revive, reg.ID)
			}
		}
		for _, reg := range byEvent[ev.ID] {
			if active[reg.RuleID] && !matched[reg.RuleID] && reg.Status == store.RegistrationActive {
				c.Unmatch = append(c.Unmatch, reg.ID)
			}
		}
	}
	return c
}

// ApplyRule applies a rule just made to the upcoming events already synced
// (within opts.Horizon of now), without fetching anything: a new rule works
// at once, not at the next calendar-sync. It makes registrations only.
func ApplyRule(ctx context.Context, s *store.Store, rule store.Rule, opts Options, now time.Time) (store.RuleChangesApplied, error) {
	opts = opts.withDefaults()
	re, err := regexp.Compile(rule.Pattern)
	if err != nil {
		return store.RuleChangesApplied{}, &store.FieldError{Field: "pattern", Problem: err.Error()}
	}
	var calendars []store.Calendar
	if rule.CalendarID != 0 {
		c, err := s.CalendarByID(ctx, rule.CalendarID)
		if err != nil {
			return store.RuleChangesApplied{}, err
		}
		calendars = []store.Calendar{c}
	} else if calendars, err = s.ListCalendars(ctx); err != nil {
		return store.RuleChangesApplied{}, err
	}
	rules := []compiledRule{{Rule: rule, re: re}}
	var total store.RuleChangesApplied
	for _, cal := range calendars {
		events, err := s.ListEvents(ctx, store.EventFilter{CalendarID: cal.ID, From: now, To: now.Add(opts.Horizon)})
		if err != nil {
			return total, err
		}
		regs, err := s.RegistrationsOfCalendar(ctx, cal.ID, now, now.Add(opts.Horizon))
		if err != nil {
			return total, err
		}
		plan := planRules(rules, events, regs)
		applied, err := s.ApplyRuleChanges(ctx, store.RuleChanges{Create: plan.Create, AllDayAt: opts.AllDayAt})
		if err != nil {
			return total, fmt.Errorf("apply rule #%d to calendar %s: %w", rule.ID, cal.Name, err)
		}
		total.Created += applied.Created
		total.Deliveries += applied.Deliveries
		total.TooLate += applied.TooLate
		total.Skipped += applied.Skipped
	}
	return total, nil
}
