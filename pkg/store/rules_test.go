package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// mkRule stores an active rule reminding by push 10 minutes before.
func mkRule(t *testing.T, s *store.Store, userID int64, pattern string, calendarID int64) store.Rule {
	t.Helper()
	r, err := s.CreateRule(context.Background(), store.Rule{UserID: userID, Pattern: pattern, CalendarID: calendarID,
		Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}})
	if err != nil {
		t.Fatalf("CreateRule(%s): %v", pattern, err)
	}
	return r
}

func countRules(t *testing.T, s *store.Store) int {
	t.Helper()
	rules, err := s.ListRules(context.Background(), store.RuleFilter{})
	if err != nil {
		t.Fatalf("ListRules: %v", err)
	}
	return len(rules)
}

func sameRule(t *testing.T, what string, got, want store.Rule) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Pattern != want.Pattern || got.CalendarID != want.CalendarID ||
		!slices.Equal(got.Channels, want.Channels) || !slices.Equal(got.Leads, want.Leads) || got.Active != want.Active ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

func TestCreateRuleRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		cal := mkCalendar(t, s, "Teleconferences")
		tests := []struct {
			name         string
			in           store.Rule
			want         store.Rule // ID, times filled in below
			calendarName string
		}{
			{
				name: "one calendar, channels and leads normalized",
				in: store.Rule{UserID: alice.ID, Pattern: `(?i)^weekly\s+tele`, CalendarID: cal.ID,
					Channels: []schedule.Channel{"PUSH", schedule.ChannelCall, schedule.ChannelPush},
					Leads:    []time.Duration{2 * time.Minute, 10 * time.Minute, 2 * time.Minute, 0}},
				want: store.Rule{UserID: alice.ID, Pattern: `(?i)^weekly\s+tele`, CalendarID: cal.ID,
					Channels: []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall},
					Leads:    []time.Duration{10 * time.Minute, 2 * time.Minute, 0}, Active: true},
				calendarName: "Teleconferences",
			},
			{
				name: "every calendar",
				in: store.Rule{UserID: alice.ID, Pattern: `.*`, Channels: []schedule.Channel{schedule.ChannelSMS},
					Leads: []time.Duration{schedule.MaxLead}, Active: false},
				want: store.Rule{UserID: alice.ID, Pattern: `.*`, Channels: []schedule.Channel{schedule.ChannelSMS},
					Leads: []time.Duration{schedule.MaxLead}, Active: true},
			},
		}
		for _, tt := range tests {
			got, err := s.CreateRule(ctx, tt.in)
			if err != nil {
				t.Fatalf("%s: CreateRule: %v", tt.name, err)
			}
			want := tt.want
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testNow, testNow
			sameRule(t, tt.name+": CreateRule", got, want)
			stored, err := s.RuleByID(ctx, got.ID)
			if err != nil {
				t.Fatalf("%s: RuleByID: %v", tt.name, err)
			}
			sameRule(t, tt.name+": RuleByID", stored, want)
			views, err := s.ListRules(ctx, store.RuleFilter{UserID: alice.ID})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(views, func(v store.RuleView) bool { return v.ID == got.ID })
			if i < 0 {
				t.Fatalf("%s: ListRules: got %+v; want rule #%d in it", tt.name, views, got.ID)
			}
			sameRule(t, tt.name+": ListRules", views[i].Rule, want)
			if v := views[i]; v.UserLogin != "alice" || v.UserDisabled || v.CalendarName != tt.calendarName {
				t.Errorf("%s: got login %q disabled %t calendar %q; want alice false %q", tt.name, v.UserLogin, v.UserDisabled, v.CalendarName, tt.calendarName)
			}
		}
		_, err := s.RuleByID(ctx, 9999)
		wantNotFound(t, "RuleByID(9999)", err)
	})
}

func TestCreateRuleInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		disabled := true
		if _, err := s.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		cal := mkCalendar(t, s, "Teleconferences")
		good := store.Rule{UserID: alice.ID, Pattern: "Weekly", CalendarID: cal.ID,
			Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}}
		tests := []struct {
			name    string
			change  func(r *store.Rule)
			field   string
			problem string // part of the message
		}{
			{"bad regexp", func(r *store.Rule) { r.Pattern = "(weekly" }, "pattern", "missing closing )"},
			{"Perl-only regexp", func(r *store.Rule) { r.Pattern = `weekly(?=call)` }, "pattern", "invalid or unsupported Perl syntax"},
			{"empty pattern", func(r *store.Rule) { r.Pattern = "" }, "pattern", "empty"},
			{"long pattern", func(r *store.Rule) { r.Pattern = strings.Repeat("a", 1025) }, "pattern", "at most 1024"},
			{"no channels", func(r *store.Rule) { r.Channels = nil }, "channel", "none given"},
			{"unknown channel", func(r *store.Rule) { r.Channels = []schedule.Channel{"pigeon"} }, "channel", "pigeon"},
			{"no leads", func(r *store.Rule) { r.Leads = nil }, "lead", "none given"},
			{"negative lead", func(r *store.Rule) { r.Leads = []time.Duration{-time.Minute} }, "lead", "negative"},
			{"lead too long", func(r *store.Rule) { r.Leads = []time.Duration{schedule.MaxLead + time.Second} }, "lead", "30 days"},
			{"fractional lead", func(r *store.Rule) { r.Leads = []time.Duration{1500 * time.Millisecond} }, "lead", "whole number of seconds"},
			{"no user", func(r *store.Rule) { r.UserID = 9999 }, "user", "no user #9999"},
			{"disabled user", func(r *store.Rule) { r.UserID = bob.ID }, "user", "bob is disabled"},
			{"no calendar", func(r *store.Rule) { r.CalendarID = cal.ID + 100 }, "calendar", "no calendar"},
		}
		for _, tt := range tests {
			r := good
			tt.change(&r)
			_, err := s.CreateRule(ctx, r)
			wantFieldError(t, err, tt.field)
			if !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("%s: got %q; want it to say %q", tt.name, err, tt.problem)
			}
			if n := countRules(t, s); n != 0 {
				t.Errorf("%s: got %d rules after the error; want 0", tt.name, n)
			}
		}
		// every problem at once is reported at once
		_, err := s.CreateRule(ctx, store.Rule{UserID: 9999, Pattern: "(", CalendarID: 9999, Channels: []schedule.Channel{"x"}, Leads: []time.Duration{-1}})
		for _, field := range []string{"user", "calendar", "pattern", "channel", "lead"} {
			if !hasFieldError(err, field) {
				t.Errorf("all wrong: got %v; want a FieldError for %s", err, field)
			}
		}
	})
}

func TestListRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Asia/Tokyo")
		a := mkCalendar(t, s, "A")
		b := mkCalendar(t, s, "B")
		aliceOnA := mkRule(t, s, alice.ID, "weekly", a.ID)
		aliceAll := mkRule(t, s, alice.ID, "review", 0)
		bobOnB := mkRule(t, s, bob.ID, "meeting", b.ID)
		if err := s.SetRuleActive(ctx, aliceAll.ID, false); err != nil {
			t.Fatal(err)
		}
		names := map[int64]string{aliceOnA.ID: "aliceOnA", aliceAll.ID: "aliceAll", bobOnB.ID: "bobOnB"}
		tests := []struct {
			name   string
			filter store.RuleFilter
			want   string
		}{
			{"all", store.RuleFilter{}, "aliceOnA aliceAll bobOnB"},
			{"active", store.RuleFilter{ActiveOnly: true}, "aliceOnA bobOnB"},
			{"one user", store.RuleFilter{UserID: alice.ID}, "aliceOnA aliceAll"},
			{"calendar A: its rules and those of every calendar", store.RuleFilter{CalendarID: a.ID}, "aliceOnA aliceAll"},
			{"calendar B, active", store.RuleFilter{CalendarID: b.ID, ActiveOnly: true}, "bobOnB"},
			{"bob on A", store.RuleFilter{UserID: bob.ID, CalendarID: a.ID}, ""},
		}
		for _, tt := range tests {
			views, err := s.ListRules(ctx, tt.filter)
			if err != nil {
				t.Fatalf("%s: ListRules: %v", tt.name, err)
			}
			var got []string
			for _, v := range views {
				got = append(got, names[v.ID])
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("%s: got %q; want %q", tt.name, g, tt.want)
			}
		}
	})
}

func TestSetRuleActive(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		r := mkRule(t, s, alice.ID, "weekly", 0)
		steps := []struct {
			active bool
			at     time.Time
		}{
			{false, testNow.Add(time.Minute)},
			{false, testNow.Add(time.Minute)}, // the same again changes no row: still not "not found"
			{true, testNow.Add(2 * time.Minute)},
			{true, testNow.Add(3 * time.Minute)},
		}
		for _, step := range steps {
			clock.t = step.at
			if err := s.SetRuleActive(ctx, r.ID, step.active); err != nil {
				t.Fatalf("SetRuleActive(%t): %v", step.active, err)
			}
			got, err := s.RuleByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Active != step.active || !got.UpdatedAt.Equal(step.at) {
				t.Errorf("got active %t updated %v; want %t %v", got.Active, got.UpdatedAt, step.active, step.at)
			}
		}
		wantNotFound(t, "SetRuleActive(9999)", s.SetRuleActive(ctx, 9999, true))
	})
}

func TestRemoveRule(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		cal := mkCalendar(t, s, "Teleconferences")
		ev1 := mkEvent(t, s, cal.ID, "w1", "Weekly", testNow.Add(48*time.Hour))
		ev2 := mkEvent(t, s, cal.ID, "w2", "Weekly", testNow.Add(72*time.Hour))
		rule := mkRule(t, s, alice.ID, "Weekly", cal.ID)
		keep := mkRule(t, s, alice.ID, "Week", cal.ID)
		register := func(eventID, ruleID int64) store.Registration {
			t.Helper()
			reg, _, _, err := s.Register(ctx, store.NewRegistration{UserID: alice.ID, EventID: eventID, RuleID: ruleID,
				Channels: []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall},
				Leads:    []time.Duration{10 * time.Minute, 2 * time.Minute}, CreatedBy: "calendar-sync"})
			if err != nil {
				t.Fatalf("Register(event #%d, rule #%d): %v", eventID, ruleID, err)
			}
			return reg
		}
		byRule := register(ev1.ID, rule.ID)
		cancelledBefore := register(ev2.ID, rule.ID)
		manual := register(ev1.ID, 0)
		byOtherRule := register(ev2.ID, keep.ID)
		clock.t = testNow.Add(time.Minute)
		if _, err := s.CancelRegistrations(ctx, []int64{cancelledBefore.ID}, 0); err != nil {
			t.Fatal(err)
		}

		removedAt := testNow.Add(2 * time.Minute)
		clock.t = removedAt
		got, err := s.RemoveRule(ctx, rule.ID)
		if err != nil {
			t.Fatalf("RemoveRule: %v", err)
		}
		if want := (store.RuleRemoval{Registrations: 1, Deliveries: 4}); got != want {
			t.Errorf("RemoveRule: got %+v; want %+v", got, want)
		}
		_, err = s.RuleByID(ctx, rule.ID)
		wantNotFound(t, "RuleByID of the removed rule", err)
		origin := "rule:" + itoa(rule.ID)
		tests := []struct {
			name        string
			id          int64
			status      store.RegistrationStatus
			cancelledAt time.Time
			ruleID      int64
			origin      string
			state       store.DeliveryState
			lastError   string
		}{
			{"made by the rule", byRule.ID, store.RegistrationCancelled, removedAt, 0, origin, store.StateCancelled, "rule removed"},
			{"made by the rule, cancelled before", cancelledBefore.ID, store.RegistrationCancelled, testNow.Add(time.Minute), 0, origin, store.StateCancelled, "registration cancelled"},
			{"made by hand", manual.ID, store.RegistrationActive, time.Time{}, 0, store.OriginManual, store.StatePending, ""},
			{"made by another rule", byOtherRule.ID, store.RegistrationActive, time.Time{}, keep.ID, "rule:" + itoa(keep.ID), store.StatePending, ""},
		}
		for _, tt := range tests {
			reg, err := s.RegistrationByID(ctx, tt.id)
			if err != nil {
				t.Fatalf("%s: RegistrationByID: %v", tt.name, err)
			}
			if reg.Status != tt.status || !reg.CancelledAt.Equal(tt.cancelledAt) || reg.RuleID != tt.ruleID || reg.Origin != tt.origin {
				t.Errorf("%s: got status %s cancelled %v rule #%d origin %s; want %s %v #%d %s", tt.name,
					reg.Status, reg.CancelledAt, reg.RuleID, reg.Origin, tt.status, tt.cancelledAt, tt.ruleID, tt.origin)
			}
			ds, err := s.DeliveriesOfRegistration(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 4 {
				t.Errorf("%s: got %d deliveries; want 4", tt.name, len(ds))
			}
			for _, d := range ds {
				if d.State != tt.state || d.LastError != tt.lastError {
					t.Errorf("%s: delivery #%d: got %s %q; want %s %q", tt.name, d.ID, d.State, d.LastError, tt.state, tt.lastError)
				}
			}
		}
		_, err = s.RemoveRule(ctx, rule.ID)
		wantNotFound(t, "RemoveRule again", err)
		if n := countRules(t, s); n != 1 {
			t.Errorf("got %d rules; want 1", n)
		}
	})
}

func TestRuleNotices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		r := mkRule(t, s, alice.ID, "x", 0)
		if n, err := s.RuleNotices(ctx, r.ID); err != nil || n != store.DefaultRuleNotices {
			t.Errorf("defaults: got %+v, %v; want both on", n, err)
		}
		if views, err := s.ListRules(ctx, store.RuleFilter{}); err != nil || len(views) != 1 || views[0].Notices != store.DefaultRuleNotices {
			t.Errorf("ListRules, defaults: got %+v, %v; want both on", views, err)
		}
		for _, want := range []store.RuleNotices{{Moved: false, Cancelled: true}, {Moved: true, Cancelled: false}, {}, {}} {
			if err := s.SetRuleNotices(ctx, r.ID, want); err != nil {
				t.Fatal(err)
			}
			if got, err := s.RuleNotices(ctx, r.ID); err != nil || got != want {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
			if views, err := s.ListRules(ctx, store.RuleFilter{UserID: alice.ID}); err != nil || len(views) != 1 || views[0].Notices != want {
				t.Errorf("ListRules: got %+v, %v; want one rule with notices %+v", views, err, want)
			}
		}
		_, err := s.RuleNotices(ctx, 9999)
		wantNotFound(t, "RuleNotices(9999)", err)
		wantNotFound(t, "SetRuleNotices(9999)", s.SetRuleNotices(ctx, 9999, store.RuleNotices{}))
		if _, err := s.RemoveRule(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.RuleNotices(ctx, r.ID)
		wantNotFound(t, "RuleNotices of a removed rule", err)
	})
}
