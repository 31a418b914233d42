package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A member reads the group rules of the groups they are in, paused ones
// too, with whether they muted each; a rule of a group they are not in is
// not theirs to read.
func TestMemberGroupRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newGroupRuleFixture(t, s) // alice and bob in drp, with the rule withFallback on every calendar
		ctx := f.ctx
		carol := addUser(t, s, "carol", "UTC")
		for _, g := range []string{"ops", "dpp"} {
			if _, err := s.CreateGroup(ctx, store.Group{Name: g}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, "dpp", []string{"carol"}); err != nil {
			t.Fatal(err)
		}
		onCalendar, err := s.CreateGroupRule(ctx, store.GroupRule{GroupName: "drp", Pattern: "(?i)review", CalendarID: f.cal.ID,
			Channels: f.withFallback.Channels, Leads: f.withFallback.Leads})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetGroupRuleActive(ctx, onCalendar.ID, false); err != nil {
			t.Fatal(err)
		}
		ops := f.mkGroupRule(t, "ops", "^Night run")
		dpp := f.mkGroupRule(t, "dpp", "(?i)dpp")
		if _, err := s.MuteGroupRule(ctx, f.withFallback.ID, f.alice.ID); err != nil {
			t.Fatal(err)
		}

		// describe writes a member's rules as "gID group pattern calendar active muted".
		describe := func(rules []store.MemberGroupRule) string {
			var out []string
			for _, r := range rules {
				cal := r.CalendarName
				if cal == "" {
					cal = "(all)"
				}
				out = append(out, fmt.Sprintf("g%d %s %s %s active=%t muted=%t", r.ID, r.GroupName, r.Pattern, cal, r.Active, r.Muted))
			}
			return strings.Join(out, "; ")
		}
		tests := []struct {
			who  store.User
			want string
		}{
			{f.alice, fmt.Sprintf("g%d drp (?i)drp (all) active=true muted=true; g%d drp (?i)review Teleconferences active=false muted=false; g%d ops ^Night run (all) active=true muted=false",
				f.withFallback.ID, onCalendar.ID, ops.ID)},
			{f.bob, fmt.Sprintf("g%d drp (?i)drp (all) active=true muted=false; g%d drp (?i)review Teleconferences active=false muted=false",
				f.withFallback.ID, onCalendar.ID)},
			{carol, fmt.Sprintf("g%d dpp (?i)dpp (all) active=true muted=false", dpp.ID)},
		}
		for _, tt := range tests {
			rules, err := s.MemberGroupRules(ctx, tt.who.ID)
			if got := describe(rules); err != nil || got != tt.want {
				t.Errorf("MemberGroupRules(%s) = %q, %v; want %q", tt.who.Login, got, err, tt.want)
			}
		}
		dave := addUser(t, s, "dave", "UTC")
		if rules, err := s.MemberGroupRules(ctx, dave.ID); err != nil || len(rules) != 0 {
			t.Errorf("MemberGroupRules(dave, in no group) = %+v, %v; want none", rules, err)
		}

		one, err := s.MemberGroupRule(ctx, f.alice.ID, f.withFallback.ID)
		if err != nil || one.ID != f.withFallback.ID || !one.Muted || one.GroupName != "drp" {
			t.Errorf("MemberGroupRule(alice, g%d) = %+v, %v; want it, muted", f.withFallback.ID, one, err)
		}
		if one, err := s.MemberGroupRule(ctx, f.bob.ID, f.withFallback.ID); err != nil || one.Muted {
			t.Errorf("MemberGroupRule(bob, g%d) = %+v, %v; want it, not muted (alice's mute is hers)", f.withFallback.ID, one, err)
		}
		for _, tt := range []struct {
			who store.User
			id  int64
		}{{f.alice, dpp.ID}, {f.bob, ops.ID}, {carol, f.withFallback.ID}, {f.alice, dpp.ID + 100}} {
			if _, err := s.MemberGroupRule(ctx, tt.who.ID, tt.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("MemberGroupRule(%s, g%d): got %v; want ErrNotFound (not in its group, or no such rule)", tt.who.Login, tt.id, err)
			}
		}

		// Leaving the group takes its rules off the member's list.
		if _, err := s.RemoveGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MemberGroupRule(ctx, f.alice.ID, ops.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MemberGroupRule(alice, g%d) after leaving ops: got %v; want ErrNotFound", ops.ID, err)
		}
	})
}
