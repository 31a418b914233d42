package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// sentCalls registers alice for n events, one call each, and records them
// sent at testNow as calls "CA…01", "CA…02", …; an sms delivery is sent
// alongside, with a message SID.
func sentCalls(t *testing.T, s *store.Store, n int) (calls []store.Delivery, sms store.Delivery) {
	t.Helper()
	ctx := context.Background()
	s.SetClock(func() time.Time { return testNow.Add(-time.Hour) })
	u := addUser(t, s, "alice", "UTC")
	for i := range n {
		if _, _, _, err := s.Register(ctx, adHoc(u.ID, testNow.Add(time.Duration(i+1)*time.Hour), []schedule.Channel{schedule.ChannelCall}, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := s.Register(ctx, adHoc(u.ID, testNow.Add(time.Hour), []schedule.Channel{schedule.ChannelSMS}, 0)); err != nil {
		t.Fatal(err)
	}
	// Everything is due at once: the events are in the future, and claims
	// are of due_at <= now; move the clock past the last start.
	s.SetClock(func() time.Time { return testNow.Add(time.Duration(n+1) * time.Hour) })
	claims, err := s.ClaimDue(ctx, "invoke", time.Minute, 100)
	if err != nil || len(claims) != n+1 {
		t.Fatalf("ClaimDue = %d claims, %v; want %d", len(claims), err, n+1)
	}
	s.SetClock(func() time.Time { return testNow })
	var results []store.Result
	for i, c := range claims {
		prefix := "CA"
		if c.Channel == schedule.ChannelSMS {
			prefix = "SM"
		}
		results = append(results, store.Result{ID: c.ID, State: store.StateSent, ProviderRef: fmt.Sprintf("%s%032d", prefix, i+1),
			Attempt: 1, Outcome: "sent", ProviderStatus: "queued"})
	}
	if _, err := s.Finish(ctx, "invoke", results); err != nil {
		t.Fatal(err)
	}
	for _, c := range claims {
		d, err := s.DeliveryByToken(ctx, c.Token)
		if err != nil {
			t.Fatal(err)
		}
		if d.Channel == schedule.ChannelSMS {
			sms = d
		} else {
			calls = append(calls, d)
		}
	}
	slices.SortFunc(calls, func(a, b store.Delivery) int { return int(a.ID - b.ID) })
	return calls, sms
}

// apply writes change to d as a report would.
func apply(t *testing.T, s *store.Store, d store.Delivery, change store.ReportChange) {
	t.Helper()
	if _, err := s.ApplyReport(context.Background(), d.Token, func(store.Report) (store.ReportChange, error) { return change, nil }); err != nil {
		t.Fatal(err)
	}
}

func ids(cs []store.CallToReconcile) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestCallsToReconcile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		calls, _ := sentCalls(t, s, 7) // the sms delivery, sent with a SID, is never listed
		open, ringing, finalSeen, answered, acked, noRef, retried := calls[0], calls[1], calls[2], calls[3], calls[4], calls[5], calls[6]
		apply(t, s, ringing, store.ReportChange{Progress: &store.Progress{ProviderRef: ringing.ProviderRef, Status: "ringing", Sequence: 1}})
		apply(t, s, finalSeen, store.ReportChange{Progress: &store.Progress{ProviderRef: finalSeen.ProviderRef, Status: "completed", Sequence: 3}})
		apply(t, s, answered, store.ReportChange{State: store.StateAnswered})
		apply(t, s, acked, store.ReportChange{State: store.StateAcknowledged})
		apply(t, s, noRef, store.ReportChange{ClearProviderRef: true})
		apply(t, s, retried, store.ReportChange{State: store.StatePending, ClearProviderRef: true, NextAttemptAt: testNow.Add(time.Hour)})
		if err := s.Exec(ctx, `UPDATE deliveries SET updated_at = ? WHERE id IN (?, ?)`, testNow, noRef.ID, ringing.ID); err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct {
			name   string
			before time.Time
			limit  int
			want   []int64
		}{
			{"before they were sent", testNow.Add(-time.Microsecond), 10, nil},
			{"when they were sent", testNow, 10, []int64{open.ID, ringing.ID}},
			{"ten minutes on", testNow.Add(10 * time.Minute), 10, []int64{open.ID, ringing.ID}},
			{"a batch of one", testNow.Add(10 * time.Minute), 1, []int64{open.ID}},
		} {
			got, err := s.CallsToReconcile(ctx, tt.before, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("%s: got %v; want %v (sent and open, oldest change first)", tt.name, ids(got), tt.want)
			}
			for _, c := range got {
				if c.ID == open.ID && (c.ProviderRef != open.ProviderRef || c.Token != open.Token || c.Attempt != 1 || !c.SentAt.Equal(testNow)) {
					t.Errorf("%s: got %+v; want the call's SID, token, attempt 1, sent at %v", tt.name, c, testNow)
				}
			}
		}

		// A look-up that finds the call under way touches it: it comes
		// again once it is as old as the bound, after the others.
		s.SetClock(func() time.Time { return testNow.Add(10 * time.Minute) })
		apply(t, s, open, store.ReportChange{Touch: true})
		if got, _ := s.CallsToReconcile(ctx, testNow.Add(10*time.Minute-time.Microsecond), 10); !slices.Equal(ids(got), []int64{ringing.ID}) {
			t.Errorf("after touching #%d: got %v; want only #%d", open.ID, ids(got), ringing.ID)
		}
		if got, _ := s.CallsToReconcile(ctx, testNow.Add(10*time.Minute), 10); !slices.Equal(ids(got), []int64{ringing.ID, open.ID}) {
			t.Errorf("once the touch is as old as the bound: got %v; want [%d %d]", ids(got), ringing.ID, open.ID)
		}
		if d, _ := s.DeliveryByToken(ctx, open.Token); d.State != store.StateSent || !d.UpdatedAt.Equal(testNow.Add(10*time.Minute)) {
			t.Errorf("touched: got %s updated %v; want sent, updated at %v", d.State, d.UpdatedAt, testNow.Add(10*time.Minute))
		}
	})
}

// CallsToReconcile walks deliveries_reconcile in order: no scan of every
// sent delivery of every channel, no sort.
func TestCallsToReconcileUsesIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		sentCalls(t, s, 3)
		var args []any
		for _, st := range store.FinalCallStatuses {
			args = append(args, st)
		}
		args = append(args, store.StateSent, schedule.ChannelCall, testNow, testNow, 50)
		got := planOf(t, s, store.CallsToReconcileSQL, args...)
		t.Logf("plan: %s", got)
		if !strings.Contains(got, "deliveries_reconcile") || strings.Contains(got, "filesort") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("got plan %q; want deliveries_reconcile and no sort", got)
		}
		// The progress rows are probed by primary key, never scanned.
		if s.Dialect() == store.MySQL && !strings.Contains(got, "eq_ref PRIMARY") ||
			s.Dialect() == store.SQLite && !strings.Contains(got, "SEARCH p USING INDEX sqlite_autoindex_delivery_progress_1") {
			t.Errorf("got plan %q; want delivery_progress looked up by its primary key", got)
		}
	})
}
