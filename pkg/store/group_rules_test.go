package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// groupRuleFixture: a calendar with one DRP telecon two days ahead and a
// lunch; alice (Tokyo, prefers sms at 30m and 5m) and bob (New York, no
// preferences) in group drp.
type groupRuleFixture struct {
	ctx          context.Context
	s            *store.Store
	clock        *movableClock
	cal          store.Calendar
	telecon      store.Event
	alice, bob   store.User
	drp          store.Group
	withFallback store.GroupRule // an email at 10m for members without preferences
}

func newGroupRuleFixture(t *testing.T, s *store.Store) *groupRuleFixture {
	t.Helper()
	f := &groupRuleFixture{ctx: context.Background(), s: s, clock: atMovableNow(s)}
	f.cal = mkCalendar(t, s, "Teleconferences")
	f.telecon = mkEvent(t, s, f.cal.ID, "drp-1", "DRP telecon", testNow.Add(48*time.Hour))
	mkEvent(t, s, f.cal.ID, "lunch", "Lunch", testNow.Add(50*time.Hour))
	f.alice = addUser(t, s, "alice", "Asia/Tokyo")
	f.bob = addUser(t, s, "bob", "America/New_York")
	if _, err := s.SetPreferences(f.ctx, f.alice.ID, store.Preferences{Channels: []schedule.Channel{schedule.ChannelSMS},
		Leads: []time.Duration{5 * time.Minute, 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.drp, err = s.CreateGroup(f.ctx, store.Group{Name: "drp"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGroupMembers(f.ctx, "drp", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	f.withFallback = f.mkGroupRule(t, "drp", "(?i)drp")
	return f
}

func (f *groupRuleFixture) mkGroupRule(t *testing.T, group, pattern string) store.GroupRule {
	t.Helper()
	r, err := f.s.CreateGroupRule(f.ctx, store.GroupRule{GroupName: group, Pattern: pattern,
		Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{10 * time.Minute}})
	if err != nil {
		t.Fatalf("CreateGroupRule(%s, %s): %v", group, pattern, err)
	}
	return r
}

// apply applies the group rules of filter to the events synced, as rule
// add, group member add and rule unmute do.
func (f *groupRuleFixture) apply(t *testing.T, filter store.MemberRuleFilter) store.RuleChangesApplied {
	t.Helper()
	applied, err := calsync.ApplyGroupRules(f.ctx, f.s, filter, calsync.Options{}, f.clock.t)
	if err != nil {
		t.Fatalf("ApplyGroupRules: %v", err)
	}
	return applied
}

// pending describes a person's pending reminders: "channel/lead" sorted.
func (f *groupRuleFixture) pending(t *testing.T, u store.User) string {
	t.Helper()
	ds, err := f.s.ListDeliveries(f.ctx, store.DeliveryFilter{UserID: u.ID, State: store.StatePending})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Channel)+"/"+d.Lead.String())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestCreateGroupRuleInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.CreateGroup(ctx, store.Group{Name: "drp"}); err != nil {
			t.Fatal(err)
		}
		ok := store.GroupRule{GroupName: "drp", Pattern: "DRP", Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{time.Minute}}
		tests := []struct {
			name   string
			edit   func(r *store.GroupRule)
			fields []string
		}{
			{"bad pattern", func(r *store.GroupRule) { r.Pattern = "(unclosed" }, []string{"pattern"}},
			{"unknown group", func(r *store.GroupRule) { r.GroupName = "nope" }, []string{"group"}},
			{"both", func(r *store.GroupRule) { r.GroupName, r.Pattern = "nope", "" }, []string{"group", "pattern"}},
			{"unknown calendar", func(r *store.GroupRule) { r.CalendarID = 999 }, []string{"calendar"}},
			{"bad channel and lead", func(r *store.GroupRule) {
				r.Channels, r.Leads = []schedule.Channel{"pigeon"}, []time.Duration{-time.Minute}
			}, []string{"channel", "lead"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := ok
				tt.edit(&r)
				_, err := s.CreateGroupRule(ctx, r)
				for _, field := range tt.fields {
					wantFieldError(t, err, field)
				}
				if rules, err := s.ListGroupRules(ctx, 0); err != nil || len(rules) != 0 {
					t.Errorf("after a refused group rule: got %d group rules, %v; want none written", len(rules), err)
				}
			})
		}
		r, err := s.CreateGroupRule(ctx, ok)
		if err != nil || r.ID == 0 || r.GroupName != "drp" || !r.Active {
			t.Fatalf("CreateGroupRule = %+v, %v; want an active rule of drp", r, err)
		}
		list, err := s.ListGroupRules(ctx, 0)
		if err != nil || len(list) != 1 || list[0].GroupName != "drp" || list[0].Pattern != "DRP" {
			t.Errorf("ListGroupRules = %+v, %v; want the drp rule", list, err)
		}
		if err := s.SetGroupRuleActive(ctx, r.ID+1, false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pausing an unknown group rule: got %v; want ErrNotFound", err)
		}
	})
}

// Each member is reminded on their own preferences (or the rule's
// fallback); joining, leaving, muting and unmuting change only theirs.
func TestGroupRuleMembership(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newGroupRuleFixture(t, s)
		ctx := f.ctx
		if got := f.apply(t, store.MemberRuleFilter{GroupRuleID: f.withFallback.ID}); got.Created != 2 || got.Deliveries != 3 {
			t.Fatalf("applying the new rule: got %+v; want 2 registrations, 3 reminders", got)
		}
		if got, want := f.pending(t, f.alice), "sms/30m0s sms/5m0s"; got != want {
			t.Errorf("alice (her preferences): got %q; want %q", got, want)
		}
		if got, want := f.pending(t, f.bob), "email/10m0s"; got != want {
			t.Errorf("bob (the rule's fallback): got %q; want %q", got, want)
		}
		if again := f.apply(t, store.MemberRuleFilter{}); again.Created != 0 || again.Deliveries != 0 {
			t.Errorf("applying again: got %+v; want nothing new", again)
		}

		// A member who joins gets the upcoming event.
		carol := addUser(t, s, "carol", "Europe/Berlin")
		if _, err := s.AddGroupMembers(ctx, "drp", []string{"carol"}); err != nil {
			t.Fatal(err)
		}
		if got := f.apply(t, store.MemberRuleFilter{GroupID: f.drp.ID, UserID: carol.ID}); got.Created != 1 {
			t.Errorf("carol joining: got %+v; want 1 registration", got)
		}
		if got, want := f.pending(t, carol), "email/10m0s"; got != want {
			t.Errorf("carol: got %q; want %q", got, want)
		}

		// A member who leaves loses theirs; the others keep theirs; joining again brings them back.
		if n, err := s.RemoveGroupMembers(ctx, "drp", []string{"bob"}); err != nil || n != 1 {
			t.Fatalf("RemoveGroupMembers = %d, %v", n, err)
		}
		if got := f.pending(t, f.bob); got != "" {
			t.Errorf("bob after leaving: got %q pending; want none", got)
		}
		if got := f.pending(t, carol); got != "email/10m0s" {
			t.Errorf("carol after bob left: got %q; want hers kept", got)
		}
		if got := f.apply(t, store.MemberRuleFilter{}); got.Created != 0 || got.Revived != 0 {
			t.Errorf("applying after bob left: got %+v; want nothing for him", got)
		}
		if _, err := s.AddGroupMembers(ctx, "drp", []string{"bob"}); err != nil {
			t.Fatal(err)
		}
		if got := f.apply(t, store.MemberRuleFilter{GroupID: f.drp.ID, UserID: f.bob.ID}); got.Revived != 1 {
			t.Errorf("bob joining again: got %+v; want his registration back", got)
		}
		if got := f.pending(t, f.bob); got != "email/10m0s" {
			t.Errorf("bob back: got %q; want email/10m0s", got)
		}

		// Muting cancels alice's and makes her nothing new; unmuting brings them back.
		muted, err := s.MuteGroupRule(ctx, f.withFallback.ID, f.alice.ID)
		if err != nil || muted.Registrations != 1 || muted.Deliveries != 2 {
			t.Fatalf("MuteGroupRule = %+v, %v; want 1 registration, 2 reminders cancelled", muted, err)
		}
		if got := f.pending(t, f.alice); got != "" {
			t.Errorf("alice muted: got %q pending; want none", got)
		}
		if got := f.apply(t, store.MemberRuleFilter{}); got.Created != 0 || got.Revived != 0 {
			t.Errorf("applying while alice is muted: got %+v; want nothing", got)
		}
		if list, err := s.ListGroupRules(ctx, 0); err != nil || len(list) != 1 || strings.Join(list[0].Muted, ",") != "alice" {
			t.Errorf("ListGroupRules muted: got %+v, %v; want alice", list, err)
		}
		if _, err := s.MuteGroupRule(ctx, f.withFallback.ID+100, f.alice.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("muting an unknown rule: got %v; want ErrNotFound", err)
		}
		if was, err := s.UnmuteGroupRule(ctx, f.withFallback.ID, f.alice.ID); err != nil || !was {
			t.Fatalf("UnmuteGroupRule = %t, %v; want true", was, err)
		}
		if got := f.apply(t, store.MemberRuleFilter{GroupRuleID: f.withFallback.ID, UserID: f.alice.ID}); got.Revived != 1 {
			t.Errorf("alice unmuting: got %+v; want her registration back", got)
		}
		if got := f.pending(t, f.alice); got != "sms/30m0s sms/5m0s" {
			t.Errorf("alice unmuted: got %q; want her reminders back", got)
		}

		// A person's own registration wins: dave registered by hand, then joins.
		dave := addUser(t, s, "dave", "UTC")
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: dave.ID, EventID: f.telecon.ID, Title: "DRP telecon",
			Channels: []schedule.Channel{schedule.ChannelCall}, Leads: []time.Duration{time.Minute}, CreatedBy: "dave"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, "drp", []string{"dave"}); err != nil {
			t.Fatal(err)
		}
		if got := f.apply(t, store.MemberRuleFilter{}); got.Created != 0 {
			t.Errorf("dave, registered by hand, joining: got %+v; want no group registration", got)
		}
		if got := f.pending(t, dave); got != "call/1m0s" {
			t.Errorf("dave: got %q; want only his own call/1m0s", got)
		}

		// Removing the rule cancels every member's pending reminders from it.
		removed, err := s.RemoveGroupRule(ctx, f.withFallback.ID)
		if err != nil || removed.Registrations != 3 || removed.Deliveries != 4 {
			t.Errorf("RemoveGroupRule = %+v, %v; want alice's, bob's and carol's (3 registrations, 4 reminders)", removed, err)
		}
		for _, u := range []store.User{f.alice, f.bob, carol} {
			if got := f.pending(t, u); got != "" {
				t.Errorf("%s after the rule was removed: got %q pending; want none", u.Login, got)
			}
		}
		if _, err := s.RemoveGroupRule(ctx, f.withFallback.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing twice: got %v; want ErrNotFound", err)
		}
	})
}

// One person in two groups whose rules both match one event is reminded
// once per channel and lead: the dispatcher sees the second as a
// duplicate. Leaving one group keeps the other's.
func TestGroupRulesTwoGroupsOneEvent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newGroupRuleFixture(t, s)
		ctx := f.ctx
		if _, err := s.CreateGroup(ctx, store.Group{Name: "ops"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		f.mkGroupRule(t, "ops", "telecon")
		if got := f.apply(t, store.MemberRuleFilter{}); got.Created != 3 {
			t.Fatalf("applying both: got %+v; want alice twice and bob once", got)
		}
		claimAt := func(at time.Time) []store.Claim {
			t.Helper()
			f.clock.t = at
			claims, err := s.ClaimDue(ctx, "test", 24*time.Hour, 10) // held: not taken over by the next claim
			if err != nil {
				t.Fatal(err)
			}
			return claims
		}
		// alice's 30-minute SMS, from each group.
		claims := claimAt(f.telecon.StartAt.Add(-30 * time.Minute))
		if len(claims) != 2 {
			t.Fatalf("at 30 minutes before: got %d claims; want alice's two sms", len(claims))
		}
		slices.SortFunc(claims, func(a, b store.Claim) int { return int(a.Delivery.ID - b.Delivery.ID) })
		if claims[0].DuplicateOf != 0 || claims[1].DuplicateOf != claims[0].Delivery.ID {
			t.Errorf("DuplicateOf: got %d and %d; want 0 and %d", claims[0].DuplicateOf, claims[1].DuplicateOf, claims[0].Delivery.ID)
		}
		for _, c := range claims {
			if c.User.ID != f.alice.ID || c.Delivery.Channel != schedule.ChannelSMS {
				t.Errorf("claim %+v; want alice's sms", c.Delivery)
			}
		}

		// alice leaves drp: the ops rule still asks for the event, and its 5-minute SMS is no duplicate.
		f.clock.t = testNow
		if _, err := s.RemoveGroupMembers(ctx, "drp", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		if got := f.pending(t, f.alice); got != "sms/5m0s" {
			t.Errorf("alice after leaving drp: got %q pending; want ops's sms/5m0s", got)
		}
		claims = claimAt(f.telecon.StartAt.Add(-5 * time.Minute))
		var hers []store.Claim
		for _, c := range claims {
			if c.User.ID == f.alice.ID {
				hers = append(hers, c)
			}
		}
		if len(hers) != 1 {
			t.Errorf("alice at 5 minutes before: got %d claims; want one", len(hers))
		} else if hers[0].DuplicateOf != 0 || hers[0].Delivery.Lead != 5*time.Minute {
			t.Errorf("alice at 5 minutes before: got lead %s, duplicate of %d; want 5m0s, not a duplicate", hers[0].Delivery.Lead, hers[0].DuplicateOf)
		}

		// One group's rules, or every group's.
		ops, err := s.GroupByName(ctx, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if rules, err := s.ListGroupRules(ctx, ops.ID); err != nil || len(rules) != 1 || rules[0].GroupName != "ops" {
			t.Errorf("ListGroupRules(ops): got %+v, %v; want ops's one rule", rules, err)
		}
		if rules, err := s.ListGroupRules(ctx, 0); err != nil || len(rules) != 2 {
			t.Errorf("ListGroupRules(every group): got %d rules, %v; want 2", len(rules), err)
		}

		// Removing a group cancels what its rules made and keeps its people.
		f.clock.t = testNow
		if err := s.RemoveGroup(ctx, "drp"); err != nil {
			t.Fatal(err)
		}
		if got := f.pending(t, f.bob); got != "" {
			t.Errorf("bob after drp was removed: got %q pending; want none", got)
		}
		if rules, err := s.ListGroupRules(ctx, 0); err != nil || len(rules) != 1 || rules[0].GroupName != "ops" {
			t.Errorf("group rules after drp was removed: got %+v, %v; want ops's only", rules, err)
		}
	})
}
