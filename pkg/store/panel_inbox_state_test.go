package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// InboxStateOf counts what reached a person and what they have not read:
// a pending or failed delivery is not in the inbox, another person's is
// not theirs.
func TestInboxStateOf(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, _ = dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelCall)
		alice, _ := s.UserByLogin(ctx, "alice")
		bob := addUser(t, s, "bob", "UTC")
		check := func(what string, userID int64, want store.InboxState) {
			t.Helper()
			got, err := s.InboxStateOf(ctx, userID)
			if err != nil || got != want {
				t.Errorf("%s: got %+v, %v; want %+v", what, got, err, want)
			}
		}
		check("alice, nothing sent yet", alice.ID, store.InboxState{})
		claims, err := s.ClaimDue(ctx, "w", time.Minute, 10)
		if err != nil || len(claims) != 2 {
			t.Fatalf("ClaimDue = %d, %v", len(claims), err)
		}
		if _, err := s.Finish(ctx, "w", []store.Result{
			{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"},
			{ID: claims[1].ID, State: store.StateFailed, Attempt: 1, Outcome: "failed", Error: "busy"},
		}); err != nil {
			t.Fatal(err)
		}
		check("alice, one sent and one failed", alice.ID, store.InboxState{Count: 1, Unread: 1})
		check("bob", bob.ID, store.InboxState{})
		if _, err := s.MarkRead(ctx, alice.ID, nil, testNow); err != nil {
			t.Fatal(err)
		}
		check("alice, after reading", alice.ID, store.InboxState{Count: 1, Unread: 0})
	})
}
