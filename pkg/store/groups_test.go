package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestGroupsAndMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := addUser(t, s, "alice", "Asia/Tokyo")
		addUser(t, s, "bob", "America/New_York")
		addUser(t, s, "carol", "Europe/Berlin")
		drp, err := s.CreateGroup(ctx, store.Group{Name: " DRP ", Description: "Data reduction pipeline"})
		if err != nil || drp.Name != "drp" || drp.ID == 0 {
			t.Fatalf("CreateGroup = %+v, %v; want drp", drp, err)
		}
		if _, err := s.CreateGroup(ctx, store.Group{Name: "drp"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second drp: got %v; want ErrConflict", err)
		}
		if _, err := s.CreateGroup(ctx, store.Group{Name: "ops"}); err != nil {
			t.Fatal(err)
		}

		added, err := s.AddGroupMembers(ctx, "drp", []string{"alice", "BOB", "alice"})
		if err != nil || added != 2 {
			t.Fatalf("AddGroupMembers = %d, %v; want 2", added, err)
		}
		if added, err := s.AddGroupMembers(ctx, "drp", []string{"bob", "carol"}); err != nil || added != 1 {
			t.Errorf("adding bob again and carol: got %d, %v; want 1 added", added, err)
		}
		if _, err := s.AddGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		members, err := s.GroupMembers(ctx, "drp")
		if err != nil {
			t.Fatal(err)
		}
		var logins []string
		for _, m := range members {
			logins = append(logins, m.Login)
		}
		if got, want := strings.Join(logins, ","), "alice,bob,carol"; got != want {
			t.Errorf("got members %s; want %s", got, want)
		}
		groups, err := s.GroupsOf(ctx, alice.ID)
		if err != nil || len(groups) != 2 || groups[0].Name != "drp" || groups[1].Name != "ops" {
			t.Errorf("GroupsOf(alice) = %+v, %v; want drp and ops", groups, err)
		}

		removed, err := s.RemoveGroupMembers(ctx, "drp", []string{"bob", "bob"})
		if err != nil || removed != 1 {
			t.Errorf("RemoveGroupMembers = %d, %v; want 1", removed, err)
		}
		list, err := s.ListGroups(ctx)
		if err != nil || len(list) != 2 || list[0].Members != 2 || list[1].Members != 1 {
			t.Errorf("ListGroups = %+v, %v; want drp with 2, ops with 1", list, err)
		}

		// Removing a group keeps its people.
		if err := s.RemoveGroup(ctx, "drp"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GroupByName(ctx, "drp"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("drp after removal: got %v; want ErrNotFound", err)
		}
		if _, err := s.UserByLogin(ctx, "carol"); err != nil {
			t.Errorf("carol after drp was removed: %v", err)
		}
		if err := s.RemoveGroup(ctx, "drp"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing drp twice: got %v; want ErrNotFound", err)
		}
	})
}

// Bad input names the field and changes nothing.
func TestGroupsBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		addUser(t, s, "alice", "UTC")
		if _, err := s.CreateGroup(ctx, store.Group{Name: "ops"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			do        func() error
			wantField string
			wantText  string
		}{
			{"empty name", func() error { _, err := s.CreateGroup(ctx, store.Group{Name: ""}); return err }, "name", "must be 1 to 64"},
			{"name with a space", func() error { _, err := s.CreateGroup(ctx, store.Group{Name: "data reduction"}); return err }, "name", `"data reduction"`},
			{"two-line description", func() error {
				_, err := s.CreateGroup(ctx, store.Group{Name: "drp", Description: "a\nb"})
				return err
			}, "description", "one line"},
			{"no member", func() error { _, err := s.AddGroupMembers(ctx, "ops", nil); return err }, "login", "none given"},
		}
		for _, tt := range tests {
			err := tt.do()
			var fe *store.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField || !strings.Contains(fe.Problem, tt.wantText) {
				t.Errorf("%s: got %v; want a %s error saying %q", tt.name, err, tt.wantField, tt.wantText)
			}
		}
		if _, err := s.AddGroupMembers(ctx, "ops", []string{"alice", "nobody", "ghost"}); !errors.Is(err, store.ErrNotFound) ||
			!strings.Contains(err.Error(), "no such user: nobody, ghost") {
			t.Errorf("adding unknown people: got %v; want ErrNotFound naming nobody and ghost", err)
		}
		if _, err := s.AddGroupMembers(ctx, "nogroup", []string{"alice"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("adding to an unknown group: got %v; want ErrNotFound", err)
		}
		members, err := s.GroupMembers(ctx, "ops")
		if err != nil || len(members) != 0 {
			t.Errorf("ops after the refused adds: %d members, %v; want none", len(members), err)
		}
		if groups, _ := s.ListGroups(ctx); len(groups) != 1 {
			t.Errorf("got %d groups after the refused creations; want 1", len(groups))
		}
	})
}

// A group's description changes as CreateGroup would take it; a bad one
// names the field and changes nothing.
func TestSetGroupDescription(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.CreateGroup(ctx, store.Group{Name: "ops", Description: "operations"}); err != nil {
			t.Fatal(err)
		}
		g, err := s.SetGroupDescription(ctx, " OPS ", "Summit operations")
		if err != nil || g.Name != "ops" || g.Description != "Summit operations" {
			t.Fatalf("SetGroupDescription = %+v, %v; want ops described anew", g, err)
		}
		for _, tt := range []struct {
			name, description, wantText string
		}{
			{"two lines", "a\nb", "one line"},
			{"too long", strings.Repeat("x", 256), "256"},
		} {
			_, err := s.SetGroupDescription(ctx, "ops", tt.description)
			var fe *store.FieldError
			if !errors.As(err, &fe) || fe.Field != "description" || !strings.Contains(fe.Problem, tt.wantText) {
				t.Errorf("%s: got %v; want a description error saying %q", tt.name, err, tt.wantText)
			}
		}
		if got, err := s.GroupByName(ctx, "ops"); err != nil || got.Description != "Summit operations" {
			t.Errorf("ops after the refused changes: got %+v, %v; want the description kept", got, err)
		}
		if _, err := s.SetGroupDescription(ctx, "ops", ""); err != nil {
			t.Errorf("an empty description: got %v; want it taken", err)
		}
		_, err = s.SetGroupDescription(ctx, "nogroup", "x")
		wantNotFound(t, "SetGroupDescription(nogroup)", err)
	})
}
