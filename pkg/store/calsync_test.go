package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestCalendarLock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		cal := mkCalendar(t, s, "Teleconferences")

		a, err := s.LockCalendar(ctx, cal.ID, "host-a pid 1", time.Minute)
		if err != nil {
			t.Fatalf("LockCalendar: %v", err)
		}
		_, err = s.LockCalendar(ctx, cal.ID, "host-b pid 2", time.Minute)
		if !errors.Is(err, store.ErrCalendarBusy) || !strings.Contains(err.Error(), "host-a pid 1") ||
			!strings.Contains(err.Error(), "2026-11-21 12:01:00") {
			t.Errorf("a second lock: got %v; want ErrCalendarBusy naming the holder and its deadline", err)
		}
		clock.t = testNow.Add(50 * time.Second)
		if err := a.Renew(ctx); err != nil {
			t.Fatalf("Renew: %v", err)
		}
		if err := a.Renew(ctx); err != nil {
			t.Fatalf("Renew at the same instant: %v", err)
		}
		clock.t = testNow.Add(100 * time.Second) // past the first lease, within the renewed one
		if _, err := s.LockCalendar(ctx, cal.ID, "host-b pid 2", time.Minute); !errors.Is(err, store.ErrCalendarBusy) {
			t.Errorf("after a renewal: got %v; want still busy", err)
		}
		if err := a.Release(ctx); err != nil {
			t.Fatalf("Release: %v", err)
		}
		b, err := s.LockCalendar(ctx, cal.ID, "host-b pid 2", time.Minute)
		if err != nil {
			t.Fatalf("after a release: %v", err)
		}
		// b dies; after its lease c takes over, and b has lost it.
		clock.t = clock.t.Add(61 * time.Second)
		c, err := s.LockCalendar(ctx, cal.ID, "host-c pid 3", time.Minute)
		if err != nil {
			t.Fatalf("after the lease ran out: %v", err)
		}
		if err := b.Renew(ctx); !errors.Is(err, store.ErrCalendarBusy) {
			t.Errorf("renewing a lost lock: got %v; want ErrCalendarBusy", err)
		}
		if err := b.Release(ctx); err != nil {
			t.Errorf("releasing a lost lock: %v", err)
		}
		if _, err := s.LockCalendar(ctx, cal.ID, "host-d pid 4", time.Minute); !errors.Is(err, store.ErrCalendarBusy) {
			t.Errorf("b's release freed c's lock: got %v", err)
		}
		c.Release(ctx)

		_, err = s.LockCalendar(ctx, 9999, "host-a pid 1", time.Minute)
		wantNotFound(t, "LockCalendar(9999)", err)
		for _, bad := range []struct {
			owner string
			ttl   time.Duration
		}{{"", time.Minute}, {strings.Repeat("x", 129), time.Minute}, {"ok", 0}} {
			if _, err := s.LockCalendar(ctx, cal.ID, bad.owner, bad.ttl); !store.IsInvalid(err) {
				t.Errorf("LockCalendar(%q, %s): got %v; want invalid input", bad.owner, bad.ttl, err)
			}
		}
	})
}

// Many processes racing for one calendar: exactly one wins.
func TestCalendarLockRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cal := mkCalendar(t, s, "Teleconferences")
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, busy := 0, 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.LockCalendar(ctx, cal.ID, fmt.Sprintf("pid %d", i), time.Minute)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, store.ErrCalendarBusy):
					busy++
				default:
					t.Errorf("LockCalendar: %v", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 || busy != 7 {
			t.Errorf("got %d winners and %d busy; want 1 and 7", won, busy)
		}
	})
}

func TestCalendarFullSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		if at, err := s.CalendarFullSyncAt(ctx, cal.ID); err != nil || !at.IsZero() {
			t.Errorf("never synced: got %s, %v; want zero", at, err)
		}
		at := testNow.Add(-time.Hour + 123*time.Nanosecond)
		if err := s.RecordCalendarFullSync(ctx, cal.ID, at); err != nil {
			t.Fatal(err)
		}
		if got, err := s.CalendarFullSyncAt(ctx, cal.ID); err != nil || !got.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("got %s, %v; want %s", got, err, at)
		}
		wantNotFound(t, "RecordCalendarFullSync(9999)", s.RecordCalendarFullSync(ctx, 9999, at))
	})
}

func TestSyncEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		alice := addUser(t, s, "alice", "Europe/Paris")
		ev := func(id, title string, start time.Time) store.Event {
			return store.Event{ExternalID: id, Title: title, StartAt: start, EndAt: start.Add(time.Hour)}
		}
		soon, later := testNow.Add(6*time.Hour), testNow.Add(72*time.Hour)
		var events []store.Event
		for i := range 7 {
			events = append(events, ev(fmt.Sprintf("e%d", i), "Weekly", later.Add(time.Duration(i)*24*time.Hour)))
		}
		events = append(events, ev("soon", "Weekly", soon))
		got, err := s.SyncEvents(ctx, cal.ID, events, store.SyncEventsOptions{BatchSize: 3, NoticeWindow: 24 * time.Hour})
		if err != nil {
			t.Fatalf("SyncEvents: %v", err)
		}
		if len(got) != 8 || got[0].Change != store.ChangeCreated || got[0].Event.ID == 0 || got[0].Event.TimeZone != cal.TimeZone {
			t.Fatalf("first SyncEvents: got %d changes, first %+v; want 8 created, in the calendar's zone", len(got), got[0])
		}
		if again, err := s.SyncEvents(ctx, cal.ID, events, store.SyncEventsOptions{}); err != nil || len(again) != 0 {
			t.Errorf("the same events again: got %d changes, %v; want none", len(again), err)
		}

		// Registrations for the one soon and one later, by hand and by rule.
		stored, err := s.EventsByExternalID(ctx, cal.ID, []string{"soon", "e0", "missing"})
		if err != nil || len(stored) != 2 {
			t.Fatalf("EventsByExternalID: got %d, %v; want 2", len(stored), err)
		}
		rule := mkRule(t, s, alice.ID, "Weekly", 0)
		applied, err := s.ApplyRuleChanges(ctx, store.RuleChanges{Create: []store.RuleMatch{{Rule: rule, Event: stored["soon"]}, {Rule: rule, Event: stored["e0"]}}})
		if err != nil || applied.Created != 2 {
			t.Fatalf("ApplyRuleChanges: got %+v, %v; want 2 made", applied, err)
		}
		byHand, _, _, err := s.Register(ctx, store.NewRegistration{UserID: alice.ID, EventID: stored["soon"].ID, Title: "My own title",
			Channels: []schedule.Channel{schedule.ChannelSMS, schedule.ChannelEmail}, Leads: []time.Duration{time.Hour}, CreatedBy: "alice"})
		if err != nil {
			t.Fatal(err)
		}

		clock.t = testNow.Add(time.Minute)
		moved := ev("soon", "Weekly call", soon.Add(2*time.Hour))
		cancelled := ev("e0", "Weekly", later)
		cancelled.Status = store.EventCancelled
		got, err = s.SyncEvents(ctx, cal.ID, []store.Event{moved, cancelled}, store.SyncEventsOptions{NoticeWindow: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Change != store.ChangeMoved|store.ChangeRetitled|store.ChangeEdited || got[0].Registrations != 2 ||
			got[0].Notices != 3 || !got[0].Old.StartAt.Equal(soon) {
			t.Errorf("moved and renamed: got %+v; want moved+retitled+edited, 2 registrations, 3 notices (push, sms, email)", got[0])
		}
		if got[1].Change != store.ChangeCancelled || got[1].Registrations != 1 || got[1].Notices != 0 {
			t.Errorf("cancelled 3 days ahead: got %+v; want cancelled, 1 registration, no notice (beyond 24h)", got[1])
		}
		regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{UserID: alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		titles := map[int64]string{}
		for _, r := range regs {
			titles[r.ID] = r.Title
		}
		if titles[byHand.ID] != "My own title" {
			t.Errorf("a registration with its own title: got %q; want it kept", titles[byHand.ID])
		}
		var notices []string
		for _, r := range regs {
			ds, err := s.DeliveriesOfRegistration(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Kind == store.KindMoved {
					notices = append(notices, string(d.Channel))
					if !d.OccurrenceAt.Equal(soon.Add(2*time.Hour)) || !d.DueAt.Equal(clock.t) || d.Lead != 0 || d.State != store.StatePending {
						t.Errorf("notice: got %+v; want pending, due now, for the new start", d)
					}
				}
			}
			if r.EventID == stored["soon"].ID && r.ID != byHand.ID && r.Title != "Weekly call" {
				t.Errorf("the rule's registration: got title %q; want the event's new one", r.Title)
			}
		}
		if strings.Join(notices, ",") != "push,sms,email" {
			t.Errorf("notices: got %q; want push, sms, email", notices)
		}

		// Notices are made once per new start, and only as the rule allows.
		again, err := s.SyncEvents(ctx, cal.ID, []store.Event{ev("soon", "Weekly call", soon.Add(3*time.Hour))},
			store.SyncEventsOptions{NoticeWindow: 24 * time.Hour})
		if err != nil || len(again) != 1 || again[0].Notices != 3 {
			t.Errorf("a second move: got %+v, %v; want 3 new notices", again, err)
		}
		if err := s.SetRuleNotices(ctx, rule.ID, store.RuleNotices{Moved: false, Cancelled: true}); err != nil {
			t.Fatal(err)
		}
		again, err = s.SyncEvents(ctx, cal.ID, []store.Event{ev("soon", "Weekly call", soon.Add(4*time.Hour))},
			store.SyncEventsOptions{NoticeWindow: 24 * time.Hour})
		if err != nil || len(again) != 1 || again[0].Notices != 2 {
			t.Errorf("a move with the rule's notices off: got %+v, %v; want the 2 of the registration by hand", again, err)
		}
		cancelSoon := ev("soon", "Weekly call", soon.Add(4*time.Hour))
		cancelSoon.Status = store.EventCancelled
		again, err = s.SyncEvents(ctx, cal.ID, []store.Event{cancelSoon}, store.SyncEventsOptions{NoticeWindow: 24 * time.Hour})
		if err != nil || len(again) != 1 || again[0].Notices != 3 {
			t.Errorf("a cancellation within 24h: got %+v, %v; want 3 cancelled notices", again, err)
		}
	})
}

// Bad events are all reported, with their ids, and nothing is written.
func TestSyncEventsInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		good := store.Event{ExternalID: "good", Title: "Fine", StartAt: testNow, EndAt: testNow.Add(time.Hour)}
		bad := []store.Event{
			good,
			{ExternalID: "newline", Title: "Two\nlines", StartAt: testNow, EndAt: testNow},
			{ExternalID: "backwards", Title: "T", StartAt: testNow, EndAt: testNow.Add(-time.Hour)},
			{ExternalID: "zone", Title: "T", StartAt: testNow, EndAt: testNow, TimeZone: "Mars/Olympus"},
			good,
		}
		_, err := s.SyncEvents(ctx, cal.ID, bad, store.SyncEventsOptions{})
		for _, want := range []string{`event "newline": title`, `event "backwards": end`, `event "zone": time_zone`, `"good" comes twice`} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v; want it to contain %q", err, want)
			}
		}
		if !store.IsInvalid(err) {
			t.Errorf("got %T; want invalid input", err)
		}
		if n := countEvents(t, s); n != 0 {
			t.Errorf("got %d events stored; want none", n)
		}
		_, err = s.SyncEvents(ctx, 9999, []store.Event{good}, store.SyncEventsOptions{})
		wantField(t, err, "calendar")
	})
}

func TestApplyRuleChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Asia/Tokyo")
		ev := mkEvent(t, s, cal.ID, "weekly", "Weekly", testNow.Add(48*time.Hour))
		soonEv := mkEvent(t, s, cal.ID, "close", "Weekly", testNow.Add(5*time.Minute))
		ra := mkRule(t, s, alice.ID, "Weekly", 0)
		rb := mkRule(t, s, bob.ID, "Weekly", cal.ID)

		// Two processes apply the same matches at once: each registration is made once.
		var wg sync.WaitGroup
		results := make([]store.RuleChangesApplied, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				results[i], err = s.ApplyRuleChanges(ctx, store.RuleChanges{Create: []store.RuleMatch{
					{Rule: ra, Event: ev}, {Rule: rb, Event: ev}, {Rule: ra, Event: soonEv}}})
				if err != nil {
					t.Errorf("ApplyRuleChanges: %v", err)
				}
			}()
		}
		wg.Wait()
		created, tooLate := 0, 0
		for _, r := range results {
			created += r.Created
			tooLate += r.TooLate
		}
		if created != 2 || tooLate != 4 {
			t.Errorf("got %d made and %d too late; want 2 made once, the event 5 minutes ahead too late for a 10-minute reminder", created, tooLate)
		}
		regs, err := s.RegistrationsOfCalendar(ctx, cal.ID, testNow, testNow.Add(72*time.Hour))
		if err != nil || len(regs) != 2 {
			t.Fatalf("RegistrationsOfCalendar: got %+v, %v; want 2", regs, err)
		}
		var aliceReg store.EventRegistration
		for _, r := range regs {
			if r.UserID == alice.ID {
				aliceReg = r
			}
		}
		if aliceReg.RuleID != ra.ID || aliceReg.Origin != fmt.Sprintf("rule:%d", ra.ID) || aliceReg.Status != store.RegistrationActive || aliceReg.Unmatched {
			t.Errorf("alice's registration: got %+v", aliceReg)
		}

		// Unmatched, then revived: the reminders come back.
		clock.t = testNow.Add(time.Minute)
		applied, err := s.ApplyRuleChanges(ctx, store.RuleChanges{Unmatch: []int64{aliceReg.ID, aliceReg.ID}})
		if err != nil || applied.Unmatched != 1 || applied.Skipped != 1 {
			t.Errorf("unmatch twice: got %+v, %v; want 1 unmatched, 1 skipped", applied, err)
		}
		if r, _ := s.RegistrationByID(ctx, aliceReg.ID); r.Status != store.RegistrationCancelled {
			t.Errorf("unmatched: got %s; want cancelled", r.Status)
		}
		regs, _ = s.RegistrationsOfCalendar(ctx, cal.ID, testNow, testNow.Add(72*time.Hour))
		for _, r := range regs {
			if r.ID == aliceReg.ID && !r.Unmatched {
				t.Errorf("unmatched registration not noted as such: %+v", r)
			}
		}
		applied, err = s.ApplyRuleChanges(ctx, store.RuleChanges{Revive: []int64{aliceReg.ID}})
		if err != nil || applied.Revived != 1 {
			t.Errorf("revive: got %+v, %v; want 1", applied, err)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, aliceReg.ID)
		if len(ds) != 1 || ds[0].State != store.StatePending {
			t.Errorf("revived reminders: got %+v; want the one reminder pending again", ds)
		}

		// Cancelled by hand: never revived.
		if _, err := s.CancelRegistrations(ctx, []int64{aliceReg.ID}, 0); err != nil {
			t.Fatal(err)
		}
		applied, err = s.ApplyRuleChanges(ctx, store.RuleChanges{Revive: []int64{aliceReg.ID}, Create: []store.RuleMatch{{Rule: ra, Event: ev}}})
		if err != nil || applied.Revived != 0 || applied.Created != 0 || applied.Skipped != 2 {
			t.Errorf("after a cancellation by hand: got %+v, %v; want both skipped", applied, err)
		}

		// A paused rule, a disabled user, a cancelled event: nothing made.
		other := mkEvent(t, s, cal.ID, "other", "Weekly", testNow.Add(50*time.Hour))
		if err := s.SetRuleActive(ctx, ra.ID, false); err != nil {
			t.Fatal(err)
		}
		disabled := true
		if _, err := s.UpdateUser(ctx, bob.Login, store.UserChanges{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		gone := mkEvent(t, s, cal.ID, "gone", "Weekly", testNow.Add(51*time.Hour))
		gone.Status = store.EventCancelled
		if _, _, err := s.UpsertEvent(ctx, gone); err != nil {
			t.Fatal(err)
		}
		applied, err = s.ApplyRuleChanges(ctx, store.RuleChanges{Create: []store.RuleMatch{{Rule: ra, Event: other}, {Rule: rb, Event: other}}})
		if err != nil || applied.Created != 0 || applied.Skipped != 2 {
			t.Errorf("paused rule, disabled user: got %+v, %v; want both skipped", applied, err)
		}
		if err := s.SetRuleActive(ctx, ra.ID, true); err != nil {
			t.Fatal(err)
		}
		applied, err = s.ApplyRuleChanges(ctx, store.RuleChanges{Create: []store.RuleMatch{{Rule: ra, Event: gone}}})
		if err != nil || applied.Created != 0 || applied.Skipped != 1 {
			t.Errorf("a cancelled event: got %+v, %v; want skipped", applied, err)
		}
	})
}
