package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// placedCall claims the due deliveries of channels and records each as
// sent with a provider ref "CA<id>", as invoke does when Twilio took the call.
func placedCall(t *testing.T, s *store.Store, channels ...schedule.Channel) (store.Registration, []store.Delivery) {
	t.Helper()
	ctx := context.Background()
	reg, _, _ := dueRegistration(t, s, channels...)
	claims, err := s.ClaimDue(ctx, "invoke", time.Minute, 10)
	if err != nil || len(claims) != len(channels) {
		t.Fatalf("ClaimDue = %d claims, %v; want %d", len(claims), err, len(channels))
	}
	var results []store.Result
	for _, c := range claims {
		if c.Channel == schedule.ChannelCall {
			results = append(results, store.Result{ID: c.ID, State: store.StateSent, ProviderRef: "CA" + itoa(c.ID),
				Attempt: 1, Outcome: "sent", ProviderStatus: "queued"})
		}
	}
	if _, err := s.Finish(ctx, "invoke", results); err != nil {
		t.Fatal(err)
	}
	ds, err := s.DeliveriesOfRegistration(ctx, reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	return reg, ds
}

// utcDelivery is d with every time in UTC, for comparing with ==: the
// drivers hand times over in zones that differ only in name.
func utcDelivery(d store.Delivery) store.Delivery {
	for _, t := range []*time.Time{&d.OccurrenceAt, &d.DueAt, &d.NextAttemptAt, &d.LeaseUntil, &d.SentAt, &d.ReadAt, &d.CreatedAt, &d.UpdatedAt} {
		*t = t.UTC()
	}
	return d
}

// sameCall checks that the call looked up by token has what a claim of the
// same delivery has, for its message and its checks.
func sameCall(t *testing.T, got store.Claim, want store.Claim) {
	t.Helper()
	const public = "https://notify.example.org"
	now := testNow.Add(50 * time.Minute)
	gm, wm := dispatch.Message(got, public), dispatch.Message(want, public)
	gm.StartAt, wm.StartAt = gm.StartAt.UTC(), wm.StartAt.UTC() // the drivers' zones differ in name only
	// A call's words need no calendar file: the lookup leaves the event's
	// UID and end out (every column costs on every request).
	wm.EventUID, wm.EndAt = "", time.Time{}
	if gm != wm {
		t.Errorf("got message\n%+v; want\n%+v", gm, wm)
	}
	if g, w := dispatch.SkipReason(got, gm, now), dispatch.SkipReason(want, wm, now); g != w {
		t.Errorf("got skip reason %q; want %q", g, w)
	}
	gd, wd := got.Delivery, want.Delivery
	if gd.ID != wd.ID || gd.State != wd.State || gd.ProviderRef != wd.ProviderRef || gd.Attempts != wd.Attempts ||
		!gd.DueAt.Equal(wd.DueAt) || gd.Token != wd.Token || gd.UserID != wd.UserID {
		t.Errorf("got delivery %+v; want %+v", gd, wd)
	}
}

func TestCallByToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		dueRegistration(t, s, schedule.ChannelCall)
		due, err := s.DueNow(ctx, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("DueNow = %d, %v", len(due), err)
		}
		lookup, err := s.PrepareCallLookup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer lookup.Close()
		for name, find := range map[string]func(context.Context, string) (store.Claim, error){
			"store": s.CallByToken, "prepared": lookup.CallByToken,
		} {
			c, err := find(ctx, due[0].Token)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameCall(t, c, due[0])
			if c.User.Login != "alice" || c.User.PasswordHash != "" || c.Event != nil || c.Registration.Message != "Room 4-S-030" {
				t.Errorf("%s: got user %+v, event %v; want alice without a password hash, no event", name, c.User, c.Event)
			}
			if _, err := find(ctx, "no-such-token"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s, unknown token: got %v; want ErrNotFound", name, err)
			}
		}
		// Once invoke has placed the call: sent, with its SID.
		claims, _ := s.ClaimDue(ctx, "invoke", time.Minute, 10)
		s.Finish(ctx, "invoke", []store.Result{{ID: claims[0].ID, State: store.StateSent, ProviderRef: "CA1", Attempt: 1, Outcome: "sent"}})
		c, err := lookup.CallByToken(ctx, due[0].Token)
		if err != nil || c.State != store.StateSent || c.ProviderRef != "CA1" || c.Attempts != 1 {
			t.Errorf("after the call: got %+v, %v; want sent, CA1, attempt 1", c.Delivery, err)
		}
	})
}

func TestCallByTokenWithEvent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u, err := s.CreateUser(ctx, store.User{Login: "bob", DisplayName: "Bob Dobbs", Email: "bob@example.org",
			Phone: "+81312345678", TimeZone: "Asia/Tokyo", Language: "ja-JP"})
		if err != nil {
			t.Fatal(err)
		}
		cal := mkCalendar(t, s, "telecons")
		ev, _, err := s.UpsertEvent(ctx, store.Event{CalendarID: cal.ID, ExternalID: "x1", Title: "Weekly telecon",
			Location: "Room 1", URL: "https://meet.example.org/w", StartAt: testNow.Add(time.Hour), EndAt: testNow.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		_, created, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, EventID: ev.ID, TimeZone: "Asia/Tokyo",
			Channels: []schedule.Channel{schedule.ChannelCall}, Leads: []time.Duration{5 * time.Minute}, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return testNow.Add(56 * time.Minute) })
		due, err := s.DueNow(ctx, 10)
		if err != nil || len(due) != 1 || due[0].Token != created[0].Token {
			t.Fatalf("DueNow = %+v, %v", due, err)
		}
		c, err := s.CallByToken(ctx, created[0].Token)
		if err != nil {
			t.Fatal(err)
		}
		sameCall(t, c, due[0])
		if c.User.DisplayName != "Bob Dobbs" || c.User.Email != "bob@example.org" || c.User.Phone != "+81312345678" || c.User.Language != "ja-JP" {
			t.Errorf("got user %+v; want bob's name, address, phone and language", c.User)
		}
		if c.Event == nil || c.Event.ID != ev.ID || c.Event.Location != "Room 1" || c.Event.URL != "https://meet.example.org/w" ||
			c.Event.Status != store.EventConfirmed {
			t.Errorf("got event %+v; want %+v", c.Event, ev)
		}
		// A cancelled event is what the checks see.
		ev.Status = store.EventCancelled
		if _, _, err := s.UpsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if c, _ = s.CallByToken(ctx, created[0].Token); c.Event == nil || c.Event.Status != store.EventCancelled {
			t.Errorf("got event %+v; want it cancelled", c.Event)
		}
	})
}

func TestApplyReport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, ds := placedCall(t, s, schedule.ChannelCall)
		d := ds[0]
		eventAt := testNow.Add(50*time.Minute + 3*time.Second)
		got, err := s.ApplyReport(ctx, d.Token, func(r store.Report) (store.ReportChange, error) {
			if utcDelivery(r.Delivery) != utcDelivery(d) || len(r.Progress) != 0 || !r.Now.Equal(testNow.Add(50*time.Minute)) {
				t.Errorf("decide got %+v; want the delivery, no progress, the store's clock", r)
			}
			return store.ReportChange{State: store.StateAnswered, MarkRead: true,
				Progress: &store.Progress{ProviderRef: d.ProviderRef, Sequence: 2, Status: "in-progress", EventAt: eventAt, AnsweredBy: "human", Reports: 1},
				Log:      &store.Attempt{Attempt: 1, Outcome: "answered", ProviderStatus: "in-progress", Detail: "call answered"}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.StateAnswered || got.ReadAt.IsZero() || got.ProviderRef != d.ProviderRef {
			t.Errorf("got %+v; want answered, read, the same call", got)
		}
		if after, _ := s.DeliveryByToken(ctx, d.Token); utcDelivery(after) != utcDelivery(got) {
			t.Errorf("stored\n%+v; ApplyReport returned\n%+v", after, got)
		}

		// A second report sees the first one's progress, and a retry clears the call.
		next := testNow.Add(55 * time.Minute)
		got, err = s.ApplyReport(ctx, d.Token, func(r store.Report) (store.ReportChange, error) {
			if len(r.Progress) != 1 {
				t.Fatalf("decide got progress %+v; want one row", r.Progress)
			}
			p := r.Progress[0]
			if p.ProviderRef != d.ProviderRef || p.Sequence != 2 || p.Status != "in-progress" || !p.EventAt.Equal(eventAt) ||
				p.AnsweredBy != "human" || p.Reports != 1 || p.DeliveryID != d.ID {
				t.Errorf("got progress %+v", p)
			}
			p.Sequence, p.Status, p.Reports = 3, "no-answer", 2
			return store.ReportChange{State: store.StatePending, NextAttemptAt: next, ClearProviderRef: true,
				LastError: "no answer", Progress: &p}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.StatePending || !got.NextAttemptAt.Equal(next) || got.ProviderRef != "" || got.LastError != "no answer" {
			t.Errorf("got %+v; want pending at %v, no call, the error", got, next)
		}
		claims, err := s.ClaimDue(ctx, "invoke", time.Minute, 10)
		if err != nil || len(claims) != 0 {
			t.Errorf("before the retry time: claimed %d, %v; want none", len(claims), err)
		}
		s.SetClock(func() time.Time { return next })
		if claims, _ := s.ClaimDue(ctx, "invoke", time.Minute, 10); len(claims) != 1 || claims[0].ID != d.ID || claims[0].Attempts != 2 {
			t.Errorf("at the retry time: claimed %+v; want the delivery again, attempt 2", claims)
		}

		log, _ := s.AttemptsOfDelivery(ctx, d.ID)
		if len(log) != 2 || log[1].Outcome != "answered" || log[1].ProviderStatus != "in-progress" || log[1].Detail != "call answered" {
			t.Errorf("got log %+v; want invoke's row and the answered row", log)
		}
	})
}

func TestApplyReportAdoptsAndRollsBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, ds := placedCall(t, s, schedule.ChannelCall)
		d := ds[0]
		// invoke recorded no SID: a report adopts its call.
		if err := s.Exec(ctx, `UPDATE deliveries SET provider_ref = NULL WHERE id = ?`, d.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.ApplyReport(ctx, d.Token, func(store.Report) (store.ReportChange, error) {
			return store.ReportChange{AdoptProviderRef: "CAadopted"}, nil
		})
		if err != nil || got.ProviderRef != "CAadopted" {
			t.Errorf("got %q, %v; want the call adopted", got.ProviderRef, err)
		}
		got, _ = s.ApplyReport(ctx, d.Token, func(store.Report) (store.ReportChange, error) {
			return store.ReportChange{AdoptProviderRef: "CAother"}, nil
		})
		if got.ProviderRef != "CAadopted" {
			t.Errorf("got %q; want a known call never replaced by adoption", got.ProviderRef)
		}

		refused := errors.New("refused")
		_, err = s.ApplyReport(ctx, d.Token, func(store.Report) (store.ReportChange, error) {
			return store.ReportChange{State: store.StateFailed, Log: &store.Attempt{Outcome: "x"}}, refused
		})
		if !errors.Is(err, refused) {
			t.Errorf("got %v; want decide's error", err)
		}
		after, _ := s.DeliveryByToken(ctx, d.Token)
		log, _ := s.AttemptsOfDelivery(ctx, d.ID)
		if after.State != store.StateSent || len(log) != 1 {
			t.Errorf("after a refused report: state %s, %d log rows; want sent, 1", after.State, len(log))
		}
		if _, err := s.ApplyReport(ctx, "no-such-token", func(store.Report) (store.ReportChange, error) {
			t.Error("decide called for an unknown token")
			return store.ReportChange{}, nil
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown token: got %v; want ErrNotFound", err)
		}
	})
}

// TestApplyReportCancelsSiblings: acknowledging a call cancels what is
// still pending of the same reminder on other channels, and nothing else.
func TestApplyReportCancelsSiblings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "UTC")
		reg, created, _, err := s.Register(ctx, adHoc(u.ID, testNow.Add(time.Hour),
			[]schedule.Channel{schedule.ChannelCall, schedule.ChannelSMS}, 10*time.Minute, 5*time.Minute))
		if err != nil || len(created) != 4 {
			t.Fatalf("Register: %d deliveries, %v", len(created), err)
		}
		var call store.Delivery
		for _, d := range created {
			if d.Channel == schedule.ChannelCall && d.Lead == 10*time.Minute {
				call = d
			}
		}
		if _, err := s.ApplyReport(ctx, call.Token, func(store.Report) (store.ReportChange, error) {
			return store.ReportChange{State: store.StateAcknowledged, CancelSiblings: "acknowledged by phone"}, nil
		}); err != nil {
			t.Fatal(err)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		for _, d := range ds {
			want := store.StatePending
			switch {
			case d.ID == call.ID:
				want = store.StateAcknowledged
			case d.Lead == 10*time.Minute:
				want = store.StateCancelled
			}
			if d.State != want {
				t.Errorf("%s at %v: got %s; want %s", d.Channel, d.Lead, d.State, want)
			}
			log, _ := s.AttemptsOfDelivery(ctx, d.ID)
			if want == store.StateCancelled && (len(log) != 1 || log[0].Outcome != "cancelled" || log[0].Detail != "acknowledged by phone") {
				t.Errorf("the cancelled %s got log %+v; want one cancelled row with the reason", d.Channel, log)
			}
		}
	})
}

// TestApplyReportSerializes: reports about one delivery applied at once
// see each other, as Twilio's callbacks arrive in parallel.
func TestApplyReportSerializes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, ds := placedCall(t, s, schedule.ChannelCall)
		d := ds[0]
		const n = 12
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := s.ApplyReport(ctx, d.Token, func(r store.Report) (store.ReportChange, error) {
					p := store.Progress{ProviderRef: d.ProviderRef, Sequence: -1, Status: "ringing"}
					if len(r.Progress) > 0 {
						p = r.Progress[0]
					}
					p.Reports++
					return store.ReportChange{Progress: &p, Log: &store.Attempt{Attempt: 1, Outcome: "progress"}}, nil
				})
				if err != nil {
					t.Errorf("ApplyReport: %v", err)
				}
			})
		}
		wg.Wait()
		_, err := s.ApplyReport(ctx, d.Token, func(r store.Report) (store.ReportChange, error) {
			if len(r.Progress) != 1 || r.Progress[0].Reports != n {
				t.Errorf("got progress %+v; want one row counting %d reports", r.Progress, n)
			}
			return store.ReportChange{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if log, _ := s.AttemptsOfDelivery(ctx, d.ID); len(log) != n+1 {
			t.Errorf("got %d log rows; want %d", len(log), n+1)
		}
	})
}
