package calsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// applyRules applies the active rules of a calendar to its upcoming events
// (within opts.Horizon of now), matching only what is new to them since
// the last time they were applied (store.RulesApplied):
//   - the events written since (new, renamed, moved, restored) and those
//     that came into the window since, against every rule;
//   - every upcoming event against the rules that are new or changed (a
//     new pattern; added, resumed, or of a user enabled again).
//
// A sync where nothing changed matches nothing. The first time (or when
// nothing was recorded), every rule is matched against every event. mark is
// the store's clock before the events to match are read: events written
// from then on are new to the rules next time.
func applyRules(ctx context.Context, s *store.Store, calendarID int64, opts Options, now, mark time.Time) (store.RuleChangesApplied, error) {
	views, err := s.ListRules(ctx, store.RuleFilter{CalendarID: calendarID, ActiveOnly: true})
	if err != nil {
		return store.RuleChangesApplied{}, err
	}
	to := now.Add(opts.Horizon)
	prev, known, err := s.RulesAppliedTo(ctx, calendarID)
	if err != nil {
		return store.RuleChangesApplied{}, err
	}
	versions := make(map[int64]string, len(views))
	var all, changed []store.Rule
	for _, v := range views {
		if v.UserDisabled {
			continue
		}
		versions[v.ID] = ruleVersion(v.Rule)
		all = append(all, v.Rule)
		if !known || prev.Rules[v.ID] != versions[v.ID] {
			changed = append(changed, v.Rule)
		}
	}
	var plan store.RuleChanges
	if !known {
		events, err := s.ListEvents(ctx, store.EventFilter{CalendarID: calendarID, From: now, To: to})
		if err != nil {
			return store.RuleChangesApplied{}, err
		}
		regs, err := s.RegistrationsOfCalendar(ctx, calendarID, now, to)
		if err != nil {
			return store.RuleChangesApplied{}, err
		}
		plan = planRules(compileRules(all), events, regs)
	} else {
		fresh, err := s.EventsNewToRules(ctx, calendarID, now, to, prev)
		if err != nil {
			return store.RuleChangesApplied{}, err
		}
		freshIDs := make(map[int64]bool, len(fresh))
		if len(fresh) > 0 && len(all) > 0 {
			ids := make([]int64, len(fresh))
			for i, ev := range fresh {
				ids[i], freshIDs[ev.ID] = ev.ID, true
			}
			regs, err := s.RegistrationsOfEvents(ctx, ids)
			if err != nil {
				return store.RuleChangesApplied{}, err
			}
			plan = planRules(compileRules(all), fresh, regs)
		}
		if len(changed) > 0 {
			events, err := s.ListEvents(ctx, store.EventFilter{CalendarID: calendarID, From: now, To: to})
			if err != nil {
				return store.RuleChangesApplied{}, err
			}
			old := events[:0]
			for _, ev := range events {
				if !freshIDs[ev.ID] { // matched against every rule above
					old = append(old, ev)
				}
			}
			regs, err := s.RegistrationsOfCalendar(ctx, calendarID, now, to)
			if err != nil {
				return store.RuleChangesApplied{}, err
			}
			more := planRules(compileRules(changed), old, regs)
			plan.Create = append(plan.Create, more.Create...)
			plan.Revive = append(plan.Revive, more.Revive...)
			plan.Unmatch = append(plan.Unmatch, more.Unmatch...)
		}
	}
	plan.AllDayAt = opts.AllDayAt
	applied, err := s.ApplyRuleChanges(ctx, plan)
	if err != nil {
		return applied, err
	}
	return applied, s.RecordRulesApplied(ctx, calendarID, store.RulesApplied{AppliedAt: mark, WindowTo: to, Rules: versions})
}

// ruleVersion changes when what a rule matches does: its pattern.
func ruleVersion(r store.Rule) string {
	sum := sha256.Sum256([]byte(r.Pattern))
	return hex.EncodeToString(sum[:8])
}

// compileRules compiles the patterns of rules; one that no longer compiles
// (the store checks patterns) is skipped, not fatal.
func compileRules(rules []store.Rule) []compiledRule {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			continue
		}
		out = append(out, compiledRule{Rule: r, re: re})
	}
	return out
}
