package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// testNow is the fixed "now" of the user and registration tests.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func atTestNow(s *store.Store) { s.SetClock(func() time.Time { return testNow }) }

func addUser(t *testing.T, s *store.Store, login, zone string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.User{Login: login, TimeZone: zone, Language: "en-US"})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", login, err)
	}
	return u
}

// wantField checks that err is a FieldError naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *store.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got error %v; want a FieldError for %q", err, field)
	}
	if !strings.Contains(err.Error(), field+": ") {
		t.Fatalf("got error %q; want it to name field %q", err, field)
	}
}

func TestUserRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		in := store.User{Login: "Alice", DisplayName: "Alice Liddell", Email: "alice@example.org", Phone: "+41227676111",
			TimeZone: "Europe/Zurich", Language: "de-ch", Role: store.RoleAdmin, PasswordHash: "$2a$10$hash"}
		created, err := s.CreateUser(ctx, in)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		got, err := s.UserByLogin(ctx, "ALICE")
		if err != nil {
			t.Fatalf("UserByLogin: %v", err)
		}
		want := in
		want.ID, want.Login, want.Language, want.CreatedAt, want.UpdatedAt = created.ID, "alice", "de-CH", testNow, testNow
		if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("got times %v/%v; want %v", got.CreatedAt, got.UpdatedAt, testNow)
		}
		got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want {
			t.Errorf("got %+v; want %+v", got, want)
		}
		byID, err := s.UserByID(ctx, created.ID)
		if err != nil || byID.Login != "alice" {
			t.Errorf("UserByID = %v, %v; want alice", byID.Login, err)
		}
		if _, err := s.UserByLogin(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByLogin(nobody) = %v; want ErrNotFound", err)
		}
	})
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	good := store.User{Login: "bob", Email: "bob@example.org", Phone: "+12125550100", TimeZone: "America/New_York", Language: "en-US"}
	tests := []struct {
		name   string
		change func(u *store.User)
		field  string
	}{
		{"empty login", func(u *store.User) { u.Login = "" }, "login"},
		{"login with space", func(u *store.User) { u.Login = "bob smith" }, "login"},
		{"bad email", func(u *store.User) { u.Email = "bob at example" }, "email"},
		{"email with name", func(u *store.User) { u.Email = "Bob <bob@example.org>" }, "email"},
		{"phone not E.164", func(u *store.User) { u.Phone = "212 555 0100" }, "phone"},
		{"unknown zone", func(u *store.User) { u.TimeZone = "Europe/Pari" }, "time_zone"},
		{"Local zone", func(u *store.User) { u.TimeZone = "Local" }, "time_zone"},
		{"bad language", func(u *store.User) { u.Language = "english please" }, "language"},
		{"bad role", func(u *store.User) { u.Role = "root" }, "role"},
		{"control character in name", func(u *store.User) { u.DisplayName = "Bob\x1b[31m" }, "display_name"},
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, tt := range tests {
			u := good
			tt.change(&u)
			_, err := s.CreateUser(ctx, u)
			wantField(t, err, tt.field)
		}
		users, err := s.ListUsers(ctx)
		if err != nil || len(users) != 0 {
			t.Fatalf("after bad input: %d users, %v; want none", len(users), err)
		}
		addUser(t, s, "bob", "UTC")
		_, err = s.CreateUser(ctx, store.User{Login: "BOB", TimeZone: "UTC", Language: "en"})
		wantField(t, err, "login")
		if !strings.Contains(err.Error(), "taken") {
			t.Errorf("duplicate login error = %q; want it to say taken", err)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		addUser(t, s, "carol", "UTC")
		zone, phone := "Asia/Tokyo", "+81312345678"
		got, err := s.UpdateUser(ctx, "carol", store.UserChanges{TimeZone: &zone, Phone: &phone})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.TimeZone != zone || got.Phone != phone || got.Language != "en-US" {
			t.Errorf("got %+v; want zone %s, phone %s, language kept", got, zone, phone)
		}

		bad, badPhone := "Mars/Olympus", "12345"
		_, err = s.UpdateUser(ctx, "carol", store.UserChanges{TimeZone: &bad, Phone: &badPhone})
		wantField(t, err, "time_zone")
		wantField(t, err, "phone")
		after, _ := s.UserByLogin(ctx, "carol")
		if after.TimeZone != zone || after.Phone != phone {
			t.Errorf("after a rejected update got %s %s; want %s %s unchanged", after.TimeZone, after.Phone, zone, phone)
		}

		if _, err := s.UpdateUser(ctx, "nobody", store.UserChanges{TimeZone: &zone}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateUser(nobody) = %v; want ErrNotFound", err)
		}
	})
}

func TestListUsersOrdered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		for _, login := range []string{"zoe", "adam", "mia"} {
			addUser(t, s, login, "UTC")
		}
		users, err := s.ListUsers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range users {
			got = append(got, u.Login)
		}
		if strings.Join(got, ",") != "adam,mia,zoe" {
			t.Errorf("got %v; want adam,mia,zoe", got)
		}
	})
}

// TestTextRoundTrip stores text that a driver interpolating arguments
// must escape (MariaDB runs with interpolateParams) and reads it back.
func TestTextRoundTrip(t *testing.T) {
	names := []string{
		`O'Brien`, `back\slash`, `"double"`, `?`, `a ? b ?`, `-- comment`, `/* c */`,
		`\'; DROP TABLE users; --`, "Zoë Ångström 松本", "%_like", `0x41`, `_binary'x'`,
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, name := range names {
			u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("user%d", i), DisplayName: name,
				TimeZone: "UTC", Language: "en"})
			if err != nil {
				t.Fatalf("CreateUser(%q): %v", name, err)
			}
			got, err := s.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatalf("UserByID: %v", err)
			}
			if got.DisplayName != name {
				t.Errorf("got display name %q; want %q", got.DisplayName, name)
			}
		}
	})
}
