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

// A person in two groups, and named too, gets a message once; a disabled
// member none; each on the channel chosen, due at the send time; a cancel
// stops what is not sent.
func TestMessages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.SetClock(func() time.Time { return testNow })
		alice := addUser(t, s, "alice", "Asia/Tokyo")
		addUser(t, s, "bob", "America/New_York")
		addUser(t, s, "carol", "UTC")
		for _, g := range []string{"drp", "ops"} {
			if _, err := s.CreateGroup(ctx, store.Group{Name: g}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddGroupMembers(ctx, g, []string{"alice", "carol"}); err != nil {
				t.Fatal(err)
			}
		}
		disabled := true
		if _, err := s.UpdateUser(ctx, "carol", store.UserChanges{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetPreferences(ctx, alice.ID, store.Preferences{Channels: []schedule.Channel{"sms", "push"}, Leads: []time.Duration{0}}); err != nil {
			t.Fatal(err)
		}
		to, err := s.Recipients(ctx, store.Audience{Groups: []string{"drp", "ops"}, Logins: []string{"alice", "bob"},
			Fallback: []schedule.Channel{"email"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(to) != 2 || to[0].User.Login != "alice" || to[1].User.Login != "bob" {
			t.Fatalf("got recipients %+v; want alice and bob once each", to)
		}
		if got := schedule.FormatChannels(to[0].Channels); got != "sms,push" {
			t.Errorf("alice's channels: got %s; want her preferences sms,push", got)
		}
		if got := schedule.FormatChannels(to[1].Channels); got != "email" {
			t.Errorf("bob's channels: got %s; want the fallback email", got)
		}
		to[0].Channel = "push" // as if no phone: her next channel
		m, queued, err := s.QueueMessage(ctx, store.NewMessage{Title: "Run cancelled", Body: "High winds.", CreatedBy: "test"}, to)
		if err != nil || queued != 1 {
			t.Fatalf("QueueMessage = %+v, %d, %v; want 1 queued (bob has no channel chosen)", m, queued, err)
		}
		claims, err := s.ClaimDue(ctx, "test", time.Minute, 10)
		if err != nil || len(claims) != 1 {
			t.Fatalf("claimed %d, %v; want alice's message", len(claims), err)
		}
		c := claims[0]
		if c.Kind != store.KindMessage || c.Channel != "push" || c.User.ID != alice.ID || c.Registration.Title != "Run cancelled" ||
			c.Registration.Message != "High winds." || !c.NextAttemptAt.Equal(testNow) {
			t.Errorf("got claim %+v; want alice's push of the message, due now", c.Delivery)
		}
		if err := s.Release(ctx, "test", []int64{c.ID}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CancelMessage(ctx, m.ID); err != nil || n != 1 {
			t.Errorf("CancelMessage = %d, %v; want 1", n, err)
		}
		if claims, _ := s.ClaimDue(ctx, "test", time.Minute, 10); len(claims) != 0 {
			t.Errorf("after the cancel, claimed %d; want none", len(claims))
		}
		if _, err := s.CancelMessage(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cancel of no message: %v; want ErrNotFound", err)
		}
	})
}

// The recent messages come newest first with where their deliveries are;
// a cancelled one has nothing waiting and cannot be cancelled again.
func TestRecentMessages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.SetClock(func() time.Time { return testNow })
		for _, login := range []string{"alice", "bob", "carol"} {
			addUser(t, s, login, "UTC")
		}
		if got, err := s.RecentMessages(ctx, 10); err != nil || len(got) != 0 {
			t.Fatalf("no messages: got %+v, %v; want none", got, err)
		}
		send := func(title string, logins ...string) store.Message {
			to, err := s.Recipients(ctx, store.Audience{Logins: logins, Fallback: []schedule.Channel{"email"}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range to {
				to[i].Channel = "email"
			}
			m, _, err := s.QueueMessage(ctx, store.NewMessage{Title: title, Body: "text", CreatedBy: "test"}, to)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		first := send("first", "alice", "bob", "carol")
		second := send("second", "alice")
		claims, err := s.ClaimDue(ctx, "test", time.Minute, 2)
		if err != nil || len(claims) != 2 {
			t.Fatalf("claimed %d, %v; want 2 of the first message", len(claims), err)
		}
		results := []store.Result{{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"},
			{ID: claims[1].ID, State: store.StateFailed, Attempt: 1, Outcome: "failed", Error: "refused"}}
		if _, err := s.Finish(ctx, "test", results); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelMessage(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecentMessages(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		type counts struct {
			id                               int64
			waiting, sent, failed, cancelled int
			cancellable                      bool
		}
		want := []counts{{second.ID, 0, 0, 0, 1, false}, {first.ID, 1, 1, 1, 0, true}}
		if len(got) != len(want) {
			t.Fatalf("got %d messages; want %d", len(got), len(want))
		}
		for i, w := range want {
			g := counts{got[i].ID, got[i].Waiting, got[i].Sent, got[i].Failed, got[i].Cancelled, got[i].Cancellable()}
			if g != w {
				t.Errorf("message %d: got %+v; want %+v", i, g, w)
			}
		}
		if got, _ := s.RecentMessages(ctx, 1); len(got) != 1 || got[0].ID != second.ID {
			t.Errorf("limit 1: got %+v; want the newest alone", got)
		}
	})
}
