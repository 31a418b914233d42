package calsync

import (
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// planRules with group rules: one per member, a person's own rule or
// registration by hand wins, two group rules make one each.
func TestPlanGroupRules(t *testing.T) {
	weekly := mustRegexp(t, "(?i)weekly")
	own := compiledRule{Rule: store.Rule{ID: 1, UserID: 10}, re: weekly}
	member := func(groupRule, user int64) compiledRule {
		return compiledRule{Rule: store.Rule{GroupRuleID: groupRule, UserID: user}, re: weekly}
	}
	ev := store.Event{ID: 100, Title: "Weekly call"}
	reg := func(id, user int64, origin string, status store.RegistrationStatus, unmatched bool) store.EventRegistration {
		r := store.EventRegistration{ID: id, UserID: user, EventID: 100, Origin: origin, Status: status, Unmatched: unmatched}
		if strings.HasPrefix(origin, "rule:") {
			r.RuleID = 1
		}
		return r
	}
	tests := []struct {
		name                  string
		rules                 []compiledRule
		regs                  []store.EventRegistration
		create, revive, unmat string
	}{
		{"each member", []compiledRule{member(7, 10), member(7, 30)}, nil, "grouprule:7/10 grouprule:7/30", "", ""},
		{"two groups", []compiledRule{member(7, 10), member(8, 10)}, nil, "grouprule:7/10 grouprule:8/10", "", ""},
		{"own rule first", []compiledRule{member(7, 10), own, member(7, 30)}, nil, "rule:1/10 grouprule:7/30", "", ""},
		{"own rule's registration", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 10, "rule:1", store.RegistrationCancelled, false)}, "", "", ""},
		{"by hand", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 10, store.OriginManual, store.RegistrationActive, false)}, "", "", ""},
		{"made already", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 10, "grouprule:7", store.RegistrationActive, false)}, "", "", ""},
		{"another member's", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 30, "grouprule:7", store.RegistrationActive, false)}, "grouprule:7/10", "", ""},
		{"joined again", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 10, "grouprule:7", store.RegistrationCancelled, true)}, "", "5", ""},
		{"cancelled by hand", []compiledRule{member(7, 10)}, []store.EventRegistration{reg(5, 10, "grouprule:7", store.RegistrationCancelled, false)}, "", "", ""},
		{"left the group", nil, []store.EventRegistration{reg(5, 10, "grouprule:7", store.RegistrationActive, false)}, "", "", ""},
		{"renamed away", []compiledRule{{Rule: store.Rule{GroupRuleID: 7, UserID: 10}, re: mustRegexp(t, "review")}},
			[]store.EventRegistration{reg(5, 10, "grouprule:7", store.RegistrationActive, false)}, "", "", "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := planRules(tt.rules, []store.Event{ev}, tt.regs)
			var create, revive, unmatch []string
			for _, m := range c.Create {
				create = append(create, m.Rule.Origin()+"/"+itoa(m.Rule.UserID))
			}
			for _, id := range c.Revive {
				revive = append(revive, itoa(id))
			}
			for _, id := range c.Unmatch {
				unmatch = append(unmatch, itoa(id))
			}
			if got := strings.Join(create, " "); got != tt.create {
				t.Errorf("create: got %q; want %q", got, tt.create)
			}
			if got := strings.Join(revive, " "); got != tt.revive {
				t.Errorf("revive: got %q; want %q", got, tt.revive)
			}
			if got := strings.Join(unmatch, " "); got != tt.unmat {
				t.Errorf("unmatch: got %q; want %q", got, tt.unmat)
			}
		})
	}
}
