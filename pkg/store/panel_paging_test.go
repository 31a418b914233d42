package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestListPaging pages through the delivery log and the inbox three at a
// time with Before: every delivery once, in the lists' order (due, then
// id, newest first), ties in due time included.
func TestListPaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		// Two channels with the same leads: pairs of deliveries due at the same instant.
		_, created, _, err := s.Register(ctx, adHoc(alice.ID, testNow.Add(2*time.Hour),
			[]schedule.Channel{schedule.ChannelPush, schedule.ChannelEmail}, 10*time.Minute, 20*time.Minute, 30*time.Minute, 40*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		pages := func(list func(before int64) ([]int64, error)) ([]int64, error) {
			var all []int64
			before := int64(0)
			for range 10 {
				ids, err := list(before)
				if err != nil || len(ids) == 0 {
					return all, err
				}
				all, before = append(all, ids...), ids[len(ids)-1]
			}
			return all, errors.New("more than 10 pages")
		}
		logIDs := func(before int64) ([]int64, error) {
			ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{UserID: alice.ID, Before: before, Limit: 3})
			var ids []int64
			for _, d := range ds {
				ids = append(ids, d.ID)
			}
			return ids, err
		}
		whole, _ := s.ListDeliveries(ctx, store.DeliveryFilter{UserID: alice.ID})
		var want []int64
		for _, d := range whole {
			want = append(want, d.ID)
		}
		got, err := pages(logIDs)
		if err != nil || len(want) != len(created) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("delivery log in pages of 3: got %v, %v; want %v (%d deliveries)", got, err, want, len(created))
		}
		if ids, err := logIDs(99999); err != nil || len(ids) != 0 {
			t.Errorf("after an unknown delivery: got %v, %v; want nothing", ids, err)
		}

		s.SetClock(func() time.Time { return testNow.Add(2 * time.Hour) }) // all due: send them
		claims, err := s.ClaimDue(ctx, "w", time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		var results []store.Result
		for _, c := range claims {
			results = append(results, store.Result{ID: c.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"})
		}
		if _, err := s.Finish(ctx, "w", results); err != nil {
			t.Fatal(err)
		}
		got, err = pages(func(before int64) ([]int64, error) {
			items, err := s.ListInbox(ctx, alice.ID, store.InboxFilter{Before: before, Limit: 3})
			var ids []int64
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			return ids, err
		})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("inbox in pages of 3: got %v, %v; want %v", got, err, want)
		}
		// bob's inbox after one of alice's notifications: nothing, so that
		// the cut says nothing of when hers was due.
		// Bob's is due before every one of alice's: a cursor of hers that
		// leaked would put it on his page.
		atTestNow(s)
		bob := addUser(t, s, "bob", "UTC")
		if _, _, _, err := s.Register(ctx, adHoc(bob.ID, testNow.Add(30*time.Minute), []schedule.Channel{schedule.ChannelPush},
			10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return testNow.Add(30 * time.Minute) })
		claims, _ = s.ClaimDue(ctx, "w", time.Minute, 100)
		if len(claims) != 1 {
			t.Fatalf("bob's reminder: %d claims; want 1", len(claims))
		}
		if _, err := s.Finish(ctx, "w", []store.Result{{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.ListInbox(ctx, bob.ID, store.InboxFilter{}); len(all) != 1 {
			t.Fatalf("bob's inbox holds %d; want 1", len(all))
		}
		if items, err := s.ListInbox(ctx, bob.ID, store.InboxFilter{Before: want[len(want)-1]}); err != nil || len(items) != 0 {
			t.Errorf("bob's inbox after alice's oldest: got %d items, %v; want none", len(items), err)
		}
	})
}
