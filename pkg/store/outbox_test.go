package store_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// dueRegistration registers alice for an event an hour after testNow with
// the given channels at a 10-minute lead, and moves the clock to when the
// reminders are due.
func dueRegistration(t *testing.T, s *store.Store, channels ...schedule.Channel) (store.Registration, []store.Delivery, func(time.Duration)) {
	t.Helper()
	now := testNow
	s.SetClock(func() time.Time { return now })
	u, err := s.UserByLogin(context.Background(), "alice")
	if err != nil {
		u = addUser(t, s, "alice", "UTC")
	}
	reg, created, _, err := s.Register(context.Background(), adHoc(u.ID, testNow.Add(time.Hour), channels, 10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	now = testNow.Add(50 * time.Minute)
	return reg, created, func(d time.Duration) { now = now.Add(d) }
}

func TestClaimDue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, created, advance := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelCall)
		first, err := s.ClaimDue(ctx, "a", time.Minute, 1)
		if err != nil || len(first) != 1 {
			t.Fatalf("ClaimDue(limit 1) = %d claims, %v; want 1", len(first), err)
		}
		c := first[0]
		if c.State != store.StateSending || c.LeaseOwner != "a" || c.Attempts != 1 || c.TakenOver {
			t.Errorf("got %+v; want sending, owned by a, attempt 1", c.Delivery)
		}
		if c.User.Login != "alice" || c.Registration.ID != reg.ID || c.Registration.Title != "Detector review" || c.Event != nil {
			t.Errorf("got user %q registration %+v event %v; want alice's ad-hoc registration", c.User.Login, c.Registration, c.Event)
		}
		second, err := s.ClaimDue(ctx, "b", time.Minute, 10)
		if err != nil || len(second) != 1 || second[0].ID == c.ID {
			t.Fatalf("second claim = %+v, %v; want the other delivery only", second, err)
		}
		if none, _ := s.ClaimDue(ctx, "c", time.Minute, 10); len(none) != 0 {
			t.Fatalf("third claim got %d; want none", len(none))
		}

		// a finishes; b dies. After b's lease, c takes b's claim over.
		lost, err := s.Finish(ctx, "a", []store.Result{{ID: c.ID, State: store.StateSent, Target: "alice", Attempt: 1, Outcome: "sent"}})
		if err != nil || len(lost) != 0 {
			t.Fatalf("Finish = %v, %v", lost, err)
		}
		advance(2 * time.Minute)
		taken, err := s.ClaimDue(ctx, "c", time.Minute, 10)
		if err != nil || len(taken) != 1 || taken[0].ID != second[0].ID || !taken[0].TakenOver || taken[0].Attempts != 2 {
			t.Fatalf("after b's lease expired: got %+v, %v; want b's delivery taken over, attempt 2", taken, err)
		}
		// b wakes up and reports: its claim is gone, nothing changes.
		lost, err = s.Finish(ctx, "b", []store.Result{{ID: second[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}})
		if err != nil || len(lost) != 1 {
			t.Fatalf("b's late Finish = %v, %v; want its claim lost", lost, err)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		states := map[int64]store.DeliveryState{}
		for _, d := range ds {
			states[d.ID] = d.State
		}
		if states[c.ID] != store.StateSent || states[second[0].ID] != store.StateSending {
			t.Errorf("got states %v; want #%d sent, #%d still sending for c", states, c.ID, second[0].ID)
		}
		if len(created) != 2 {
			t.Errorf("created %d deliveries; want 2", len(created))
		}
	})
}

func TestFinishRetryAndRelease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, advance := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelEmail)
		claims, err := s.ClaimDue(ctx, "a", time.Minute, 10)
		if err != nil || len(claims) != 2 {
			t.Fatalf("claim = %d, %v", len(claims), err)
		}
		next := testNow.Add(55 * time.Minute)
		if _, err := s.Finish(ctx, "a", []store.Result{{ID: claims[0].ID, State: store.StatePending, NextAttemptAt: next,
			Error: "503", Attempt: 1, Outcome: "retry", ProviderStatus: "503"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, "a", []int64{claims[1].ID}); err != nil {
			t.Fatal(err)
		}
		again, err := s.ClaimDue(ctx, "b", time.Minute, 10)
		if err != nil || len(again) != 1 || again[0].ID != claims[1].ID || again[0].Attempts != 1 {
			t.Fatalf("after release: got %+v, %v; want the released one, still attempt 1", again, err)
		}
		if _, err := s.Finish(ctx, "b", []store.Result{{ID: again[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
			t.Fatal(err)
		}
		advance(5 * time.Minute)
		retried, err := s.ClaimDue(ctx, "b", time.Minute, 10)
		if err != nil || len(retried) != 1 || retried[0].ID != claims[0].ID || retried[0].Attempts != 2 || retried[0].LastError != "503" {
			t.Fatalf("at the retry time: got %+v, %v; want the retried one, attempt 2, last error kept", retried, err)
		}
		log, _ := s.AttemptsOfDelivery(ctx, claims[0].ID)
		if len(log) != 1 || log[0].Outcome != "retry" || log[0].ProviderStatus != "503" || log[0].Detail != "503" {
			t.Errorf("got log %+v", log)
		}
	})
}

func TestFinishFallback(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, created, _ := dueRegistration(t, s, schedule.ChannelCall)
		claims, _ := s.ClaimDue(ctx, "a", time.Minute, 10)
		fb := &store.Fallback{RegistrationID: reg.ID, UserID: reg.UserID, Kind: store.KindReminder, Channel: schedule.ChannelSMS,
			Lead: 10 * time.Minute, OccurrenceAt: created[0].OccurrenceAt}
		if _, err := s.Finish(ctx, "a", []store.Result{{ID: claims[0].ID, State: store.StateFailed, Error: "no phone",
			Attempt: 1, Outcome: "no-target", Fallback: fb}}); err != nil {
			t.Fatal(err)
		}
		more, err := s.ClaimDue(ctx, "a", time.Minute, 10)
		if err != nil || len(more) != 1 || more[0].Channel != schedule.ChannelSMS || more[0].Lead != 10*time.Minute {
			t.Fatalf("got %+v, %v; want the SMS fallback due now", more, err)
		}
		// The same fallback again adds nothing: the unique key holds.
		if _, err := s.Finish(ctx, "a", []store.Result{{ID: more[0].ID, State: store.StateFailed, Attempt: 1, Outcome: "no-target", Fallback: fb}}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID); len(ds) != 2 {
			t.Errorf("got %d deliveries; want 2", len(ds))
		}
	})
}

func TestPendingCallsAndAdvance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, created, _ := dueRegistration(t, s, schedule.ChannelCall, schedule.ChannelPush)
		calls, err := s.PendingCalls(ctx, testNow.Add(2*time.Hour))
		if err != nil || len(calls) != 1 {
			t.Fatalf("PendingCalls = %+v, %v; want the one call", calls, err)
		}
		var callID int64
		for _, d := range created {
			if d.Channel == schedule.ChannelCall {
				callID = d.ID
			}
		}
		earlier, later := calls[0].NextAttemptAt.Add(-time.Minute), calls[0].NextAttemptAt.Add(time.Minute)
		if err := s.Advance(ctx, map[int64]time.Time{callID: later}); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.PendingCalls(ctx, testNow.Add(2*time.Hour)); !c[0].NextAttemptAt.Equal(calls[0].NextAttemptAt) {
			t.Errorf("Advance moved a call later: %v", c[0].NextAttemptAt)
		}
		if err := s.Advance(ctx, map[int64]time.Time{callID: earlier}); err != nil {
			t.Fatal(err)
		}
		c, _ := s.PendingCalls(ctx, testNow.Add(2*time.Hour))
		if !c[0].NextAttemptAt.Equal(earlier) || !c[0].OccurrenceAt.Equal(testNow.Add(time.Hour)) {
			t.Errorf("got %+v; want next attempt %v", c[0], earlier)
		}
	})
}

func TestDueNowChangesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, _, _ := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelSMS)
		due, err := s.DueNow(ctx, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("DueNow = %d, %v; want 2", len(due), err)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		ids := []int64{}
		for _, d := range ds {
			if d.State != store.StatePending || d.Attempts != 0 {
				t.Errorf("delivery #%d changed: %s, %d attempts", d.ID, d.State, d.Attempts)
			}
			ids = append(ids, d.ID)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		if claims, _ := s.ClaimDue(ctx, "a", time.Minute, 10); len(claims) != 2 {
			t.Errorf("after DueNow, ClaimDue got %d; want 2", len(claims))
		}
	})
}

// Acknowledging a reminder on one channel stops it on the others.
func TestAcknowledgeCancelsTheRestOfTheReminder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, _, _ := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelCall)
		claims, err := s.ClaimDue(ctx, "a", time.Minute, 1)
		if err != nil || len(claims) != 1 || claims[0].Channel != schedule.ChannelPush {
			t.Fatalf("claimed %+v, %v; want the push", claims, err)
		}
		if _, err := s.Finish(ctx, "a", []store.Result{{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
			t.Fatal(err)
		}
		acked, err := s.AcknowledgeByToken(ctx, claims[0].Token, testNow.Add(51*time.Minute))
		if err != nil || acked.State != store.StateAcknowledged {
			t.Fatalf("AcknowledgeByToken = %s, %v; want acknowledged", acked.State, err)
		}
		ds, err := s.DeliveriesOfRegistration(ctx, reg.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Channel == schedule.ChannelCall && (d.State != store.StateCancelled || d.LastError != "acknowledged by push") {
				t.Errorf("the call: got %s %q; want cancelled, acknowledged by push", d.State, d.LastError)
			}
		}
	})
}
