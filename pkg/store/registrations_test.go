package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func adHoc(userID int64, start time.Time, channels []schedule.Channel, leads ...time.Duration) store.NewRegistration {
	return store.NewRegistration{
		UserID: userID, Title: "Detector review", Message: "Room 4-S-030", StartAt: start, TimeZone: "Europe/Paris",
		Channels: channels, Leads: leads, CreatedBy: "test",
	}
}

var pushCall = []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall}

func TestRegisterPlansDeliveries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "Europe/Paris")
		start := testNow.Add(48 * time.Hour)
		reg, created, skipped, err := s.Register(ctx, adHoc(u.ID, start, pushCall, 10*time.Minute, 2*time.Minute))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if len(created) != 4 || len(skipped) != 0 {
			t.Fatalf("got %d created, %d skipped; want 4, 0", len(created), len(skipped))
		}
		if reg.Origin != store.OriginManual || reg.Status != store.RegistrationActive {
			t.Errorf("got origin %q status %q; want manual, active", reg.Origin, reg.Status)
		}
		stored, err := s.DeliveriesOfRegistration(ctx, reg.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			channel schedule.Channel
			lead    time.Duration
		}{{schedule.ChannelPush, 10 * time.Minute}, {schedule.ChannelCall, 10 * time.Minute}, {schedule.ChannelPush, 2 * time.Minute}, {schedule.ChannelCall, 2 * time.Minute}}
		if len(stored) != len(want) {
			t.Fatalf("got %d stored deliveries; want %d", len(stored), len(want))
		}
		tokens := map[string]bool{}
		for i, d := range stored {
			if d.Channel != want[i].channel || d.Lead != want[i].lead {
				t.Errorf("delivery %d: got %s %s; want %s %s", i, d.Channel, d.Lead, want[i].channel, want[i].lead)
			}
			if wantDue := start.Add(-want[i].lead); !d.DueAt.Equal(wantDue) || !d.NextAttemptAt.Equal(wantDue) {
				t.Errorf("delivery %d: got due %v next %v; want %v", i, d.DueAt, d.NextAttemptAt, wantDue)
			}
			if d.State != store.StatePending || d.UserID != u.ID || d.Kind != store.KindReminder || !d.OccurrenceAt.Equal(start) {
				t.Errorf("delivery %d: got %+v; want pending reminder of user %d for %v", i, d, u.ID, start)
			}
			if len(d.Token) != 43 || tokens[d.Token] {
				t.Errorf("delivery %d: token %q is not a fresh 43-character token", i, d.Token)
			}
			tokens[d.Token] = true
			byToken, err := s.DeliveryByToken(ctx, d.Token)
			if err != nil || byToken.ID != d.ID {
				t.Errorf("DeliveryByToken = #%d, %v; want #%d", byToken.ID, err, d.ID)
			}
		}
	})
}

func TestRegisterSkipsPastReminders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "UTC")
		start := testNow.Add(5 * time.Minute)
		_, created, skipped, err := s.Register(ctx, adHoc(u.ID, start, []schedule.Channel{schedule.ChannelPush}, 10*time.Minute, 2*time.Minute))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if len(created) != 1 || created[0].Lead != 2*time.Minute {
			t.Errorf("got created %+v; want only the 2m reminder", created)
		}
		if len(skipped) != 1 || skipped[0].Lead != 10*time.Minute {
			t.Errorf("got skipped %+v; want the 10m reminder", skipped)
		}
	})
}

func TestRegisterRejectsBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "UTC")
		disabled := addUser(t, s, "dora", "UTC")
		yes := true
		if _, err := s.UpdateUser(ctx, "dora", store.UserChanges{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		future := testNow.Add(time.Hour)
		tests := []struct {
			name   string
			change func(nr *store.NewRegistration)
			field  string
		}{
			{"start in the past", func(nr *store.NewRegistration) { nr.StartAt = testNow.Add(-time.Minute) }, "start"},
			{"every reminder in the past", func(nr *store.NewRegistration) { nr.Leads = []time.Duration{2 * time.Hour} }, "lead"},
			{"negative lead", func(nr *store.NewRegistration) { nr.Leads = []time.Duration{-5 * time.Minute} }, "lead"},
			{"no lead", func(nr *store.NewRegistration) { nr.Leads = nil }, "lead"},
			{"too many leads", func(nr *store.NewRegistration) {
				nr.Leads = nil
				for i := range store.MaxLeads + 1 {
					nr.Leads = append(nr.Leads, time.Duration(i+1)*time.Minute)
				}
			}, "lead"},
			{"unknown channel", func(nr *store.NewRegistration) { nr.Channels = []schedule.Channel{"pigeon"} }, "channel"},
			{"no channel", func(nr *store.NewRegistration) { nr.Channels = nil }, "channel"},
			{"empty title", func(nr *store.NewRegistration) { nr.Title = " " }, "title"},
			{"unknown zone", func(nr *store.NewRegistration) { nr.TimeZone = "Europe/Pari" }, "time_zone"},
			{"unknown user", func(nr *store.NewRegistration) { nr.UserID = 9999 }, "user"},
			{"disabled user", func(nr *store.NewRegistration) { nr.UserID = disabled.ID }, "user"},
			{"unknown event", func(nr *store.NewRegistration) { nr.EventID = 9999 }, "event"},
		}
		for _, tt := range tests {
			nr := adHoc(u.ID, future, pushCall, 10*time.Minute)
			tt.change(&nr)
			_, _, _, err := s.Register(ctx, nr)
			wantField(t, err, tt.field)
		}
		regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{IncludeCancelled: true})
		if err != nil || len(regs) != 0 {
			t.Fatalf("after bad input: %d registrations, %v; want none", len(regs), err)
		}
	})
}

func TestListRegistrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Asia/Tokyo")
		bob := addUser(t, s, "bob", "UTC")
		later, _, _, err := s.Register(ctx, adHoc(alice.ID, testNow.Add(72*time.Hour), pushCall, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		sooner, _, _, err := s.Register(ctx, adHoc(alice.ID, testNow.Add(24*time.Hour), pushCall, time.Hour, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		bobs, _, _, err := s.Register(ctx, adHoc(bob.ID, testNow.Add(time.Hour), pushCall, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelRegistrations(ctx, []int64{bobs.ID}, 0); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name   string
			filter store.RegistrationFilter
			want   []int64
		}{
			{"active", store.RegistrationFilter{}, []int64{sooner.ID, later.ID}},
			{"all", store.RegistrationFilter{IncludeCancelled: true}, []int64{bobs.ID, sooner.ID, later.ID}},
			{"bob, all", store.RegistrationFilter{UserID: bob.ID, IncludeCancelled: true}, []int64{bobs.ID}},
			{"alice, limit 1", store.RegistrationFilter{UserID: alice.ID, Limit: 1}, []int64{sooner.ID}},
		}
		for _, tt := range tests {
			got, err := s.ListRegistrations(ctx, tt.filter)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var ids []int64
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) || (len(ids) > 1 && ids[len(ids)-1] != tt.want[len(tt.want)-1]) {
				t.Errorf("%s: got ids %v; want %v", tt.name, ids, tt.want)
			}
		}

		got, err := s.ListRegistrations(ctx, store.RegistrationFilter{UserID: alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		first := got[0]
		if wantNext := testNow.Add(23 * time.Hour); !first.NextDueAt.Equal(wantNext) || first.Pending != 4 {
			t.Errorf("got next due %v, %d pending; want %v, 4", first.NextDueAt, first.Pending, wantNext)
		}
		if first.UserLogin != "alice" || first.UserTimeZone != "Asia/Tokyo" {
			t.Errorf("got user %s %s; want alice Asia/Tokyo", first.UserLogin, first.UserTimeZone)
		}

		s.SetClock(func() time.Time { return testNow.Add(48 * time.Hour) })
		upcoming, err := s.ListRegistrations(ctx, store.RegistrationFilter{Upcoming: true})
		if err != nil || len(upcoming) != 1 || upcoming[0].ID != later.ID {
			t.Errorf("upcoming two days later: got %d, %v; want only #%d", len(upcoming), err, later.ID)
		}
	})
}

func TestCancelRegistrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		bob := addUser(t, s, "bob", "UTC")
		reg, _, _, err := s.Register(ctx, adHoc(alice.ID, testNow.Add(time.Hour), pushCall, 10*time.Minute, 2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		other, _, _, err := s.Register(ctx, adHoc(bob.ID, testNow.Add(time.Hour), pushCall, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}

		if _, err := s.CancelRegistrations(ctx, []int64{reg.ID, 9999}, 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cancel with an unknown id = %v; want ErrNotFound", err)
		}
		if _, err := s.CancelRegistrations(ctx, []int64{other.ID}, alice.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("alice cancelling bob's = %v; want ErrNotFound", err)
		}
		for _, id := range []int64{reg.ID, other.ID} {
			if r, _ := s.RegistrationByID(ctx, id); r.Status != store.RegistrationActive {
				t.Fatalf("after refused cancels, #%d is %s; want active", id, r.Status)
			}
		}

		got, err := s.CancelRegistrations(ctx, []int64{reg.ID}, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Deliveries != 4 || got[0].Already {
			t.Fatalf("got %+v; want 4 deliveries cancelled", got)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		for _, d := range ds {
			if d.State != store.StateCancelled || d.LastError != "registration cancelled" {
				t.Errorf("delivery #%d: got %s %q; want cancelled", d.ID, d.State, d.LastError)
			}
		}
		again, err := s.CancelRegistrations(ctx, []int64{reg.ID}, 0)
		if err != nil || !again[0].Already {
			t.Errorf("second cancel = %+v, %v; want Already", again, err)
		}
		if ds, _ := s.DeliveriesOfRegistration(ctx, other.ID); ds[0].State != store.StatePending {
			t.Errorf("bob's delivery is %s; want pending", ds[0].State)
		}
	})
}

func TestMoveRegistration(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "UTC")
		oldStart, newStart := testNow.Add(time.Hour), testNow.Add(3*time.Hour)
		reg, _, _, err := s.Register(ctx, adHoc(u.ID, oldStart, []schedule.Channel{schedule.ChannelPush}, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.MoveRegistration(ctx, reg.ID, newStart)
		if err != nil {
			t.Fatalf("MoveRegistration: %v", err)
		}
		if got.Cancelled != 1 || len(got.Created) != 1 || !got.Created[0].DueAt.Equal(newStart.Add(-10*time.Minute)) {
			t.Fatalf("got %+v; want 1 cancelled, 1 created due %v", got, newStart.Add(-10*time.Minute))
		}
		again, err := s.MoveRegistration(ctx, reg.ID, newStart)
		if err != nil || again.Cancelled != 0 || len(again.Created) != 0 {
			t.Fatalf("moving to the same start = %+v, %v; want no change", again, err)
		}
		back, err := s.MoveRegistration(ctx, reg.ID, oldStart)
		if err != nil || back.Cancelled != 1 || len(back.Created) != 0 {
			t.Fatalf("moving back = %+v, %v; want the old reminder revived, none created", back, err)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		pending := 0
		for _, d := range ds {
			if d.State == store.StatePending {
				pending++
				if !d.OccurrenceAt.Equal(oldStart) {
					t.Errorf("pending delivery for %v; want %v", d.OccurrenceAt, oldStart)
				}
			}
		}
		if len(ds) != 2 || pending != 1 {
			t.Errorf("got %d deliveries, %d pending; want 2, 1", len(ds), pending)
		}
		r, _ := s.RegistrationByID(ctx, reg.ID)
		if !r.StartAt.Equal(oldStart) {
			t.Errorf("registration start %v; want %v", r.StartAt, oldStart)
		}
		_, err = s.MoveRegistration(ctx, reg.ID, testNow.Add(-time.Hour))
		wantField(t, err, "start")
	})
}
