package calsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
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
//     new pattern; added, resumed, or of a user enabled again), and the
//     group rules that are new or changed (pattern, paused and resumed,
//     their members: someone joined, left, was enabled, muted or
//     unmuted), for each of their members.
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
	members, err := s.MemberRules(ctx, store.MemberRuleFilter{CalendarID: calendarID})
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
	groupVersions := groupRuleVersions(members)
	for _, m := range members {
		all = append(all, m.Rule)
		if !known || prev.GroupRules[m.GroupRuleID] != groupVersions[m.GroupRuleID] {
			changed = append(changed, m.Rule)
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
	return applied, s.RecordRulesApplied(ctx, calendarID, store.RulesApplied{AppliedAt: mark, WindowTo: to, Rules: versions,
		GroupRules: groupVersions})
}

// ruleVersion changes when what a rule matches does: its pattern.
func ruleVersion(r store.Rule) string {
	sum := sha256.Sum256([]byte(r.Pattern))
	return hex.EncodeToString(sum[:8])
}

// groupRuleVersions gives the version of each group rule in members: it
// changes with what the rule matches (its pattern), when it was last
// changed (paused, resumed, unmuted) and who it applies to (each member
// and when they joined), so that a member who joins, or joins again, is
// new to the events.
func groupRuleVersions(members []store.MemberRule) map[int64]string {
	hashes := make(map[int64]hash.Hash)
	for _, m := range members { // by rule, then member
		h, ok := hashes[m.GroupRuleID]
		if !ok {
			h = sha256.New()
			fmt.Fprintf(h, "%s\x00%d\x00", m.Pattern, m.UpdatedAt.UnixMicro())
			hashes[m.GroupRuleID] = h
		}
		fmt.Fprintf(h, "%d@%d ", m.UserID, m.JoinedAt.UnixMicro())
	}
	out := make(map[int64]string, len(hashes))
	for id, h := range hashes {
		out[id] = hex.EncodeToString(h.Sum(nil)[:8])
	}
	return out
}

// compileRules compiles the patterns of rules, once per pattern (a group
// rule's members share theirs); one that no longer compiles (the store
// checks patterns) is skipped, not fatal.
func compileRules(rules []store.Rule) []compiledRule {
	out := make([]compiledRule, 0, len(rules))
	compiled := make(map[string]*regexp.Regexp)
	for _, r := range rules {
		re, ok := compiled[r.Pattern]
		if !ok {
			re, _ = regexp.Compile(r.Pattern)
			compiled[r.Pattern] = re
		}
		if re == nil {
			continue
		}
		out = append(out, compiledRule{Rule: r, re: re})
	}
	return out
}
