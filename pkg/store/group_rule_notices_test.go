package store_test

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A group rule's notices are kept as a person's rule's are, and
// calendar-sync follows them for every member's registration it made; a
// registration made by hand for the same event is told of both.
func TestGroupRuleNotices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newGroupRuleFixture(t, s)
		ctx, rule := f.ctx, f.withFallback
		soon := testNow.Add(6 * time.Hour)
		ev := mkEvent(t, s, f.cal.ID, "drp-soon", "DRP telecon", soon)
		if applied := f.apply(t, store.MemberRuleFilter{GroupRuleID: rule.ID}); applied.Created != 4 {
			t.Fatalf("applying %s: got %+v; want alice and bob registered for 2 telecons", store.GroupRuleOrigin(rule.ID), applied)
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: f.bob.ID, EventID: ev.ID, Title: "DRP telecon",
			Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{time.Hour}, CreatedBy: "bob"}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.GroupRuleNotices(ctx, rule.ID); err != nil || n != store.DefaultRuleNotices {
			t.Errorf("GroupRuleNotices before any change: got %+v, %v; want both on", n, err)
		}

		f.clock.t = testNow.Add(time.Minute)
		sync := func(start time.Time, status store.EventStatus) int {
			t.Helper()
			e := store.Event{ExternalID: "drp-soon", Title: "DRP telecon", StartAt: start, EndAt: start.Add(time.Hour), Status: status}
			got, err := s.SyncEvents(ctx, f.cal.ID, []store.Event{e}, store.SyncEventsOptions{NoticeWindow: 24 * time.Hour})
			if err != nil || len(got) != 1 {
				t.Fatalf("SyncEvents(%s at %s): got %+v, %v; want one change", status, start, got, err)
			}
			return got[0].Notices
		}
		tests := []struct {
			name    string
			notices store.RuleNotices
			start   time.Time
			status  store.EventStatus
			want    int
		}{
			{"a move, the defaults", store.DefaultRuleNotices, soon.Add(time.Hour), store.EventConfirmed, 3},
			{"a move, moves off", store.RuleNotices{Moved: false, Cancelled: true}, soon.Add(2 * time.Hour), store.EventConfirmed, 1},
			{"a cancellation, moves off", store.RuleNotices{Moved: false, Cancelled: true}, soon.Add(2 * time.Hour), store.EventCancelled, 3},
		}
		for _, tt := range tests {
			if err := s.SetGroupRuleNotices(ctx, rule.ID, tt.notices); err != nil {
				t.Fatal(err)
			}
			if got := sync(tt.start, tt.status); got != tt.want {
				t.Errorf("%s: got %d notices; want %d (alice's sms, bob's email from the rule, bob's own push)", tt.name, got, tt.want)
			}
		}
		if n, err := s.GroupRuleNotices(ctx, rule.ID); err != nil || n != (store.RuleNotices{Moved: false, Cancelled: true}) {
			t.Errorf("GroupRuleNotices: got %+v, %v; want moves off, cancellations on", n, err)
		}
		list, err := s.ListGroupRules(ctx, 0)
		if err != nil || len(list) != 1 || list[0].Notices != (store.RuleNotices{Moved: false, Cancelled: true}) {
			t.Errorf("ListGroupRules: got %+v, %v; want the rule with moves off", list, err)
		}

		_, err = s.GroupRuleNotices(ctx, 9999)
		wantNotFound(t, "GroupRuleNotices(g9999)", err)
		wantNotFound(t, "SetGroupRuleNotices(g9999)", s.SetGroupRuleNotices(ctx, 9999, store.DefaultRuleNotices))
		if _, err := s.RemoveGroupRule(ctx, rule.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.GroupRuleNotices(ctx, rule.ID)
		wantNotFound(t, "GroupRuleNotices of a removed rule", err)
	})
}
