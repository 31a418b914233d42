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
