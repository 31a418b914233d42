package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A new or removed password revokes the owner's API tokens (someone who
// knew the old one may have made them); other changes keep them, and
// other people's tokens are left alone.
func TestPasswordChangeRevokesAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		bob := addUser(t, s, "bob", "UTC")
		token := func(id int64) string {
			v, _, err := s.CreateAPIToken(ctx, id, "script")
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		works := func(v string) bool {
			_, _, err := s.UserByAPIToken(ctx, v)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		str := func(v string) *string { return &v }

		a1, b1 := token(alice.ID), token(bob.ID)
		if _, err := s.UpdateUser(ctx, "alice", store.UserChanges{TimeZone: str("Europe/Zurich")}); err != nil {
			t.Fatal(err)
		}
		if !works(a1) {
			t.Error("after a zone change: alice's token was revoked; want it kept")
		}
		for _, hash := range []string{"$2a$10$first", "$2a$10$first", ""} {
			if _, err := s.UpdateUser(ctx, "alice", store.UserChanges{PasswordHash: str(hash)}); err != nil {
				t.Fatal(err)
			}
		}
		if works(a1) {
			t.Error("after a new password: alice's token still works; want it revoked")
		}
		if !works(b1) {
			t.Error("after alice's new password: bob's token was revoked; want it kept")
		}
		a2 := token(alice.ID)
		if _, err := s.UpdateUser(ctx, "alice", store.UserChanges{PasswordHash: str("")}); err != nil {
			t.Fatal(err)
		}
		if !works(a2) {
			t.Error("setting the same (empty) password again revoked a token made after the change")
		}
		if list, err := s.ListAPITokens(ctx, alice.ID); err != nil || len(list) != 1 {
			t.Errorf("alice's tokens: got %d, %v; want only the one made after the change", len(list), err)
		}
	})
}
