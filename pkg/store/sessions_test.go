package store_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func mkSession(t *testing.T, s *store.Store, userID int64, ttl time.Duration) (string, store.Session) {
	t.Helper()
	token, sess, err := s.CreateSession(context.Background(), userID, ttl)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return token, sess
}

// countSessions counts the sessions, deleting them: a test calls it last.
func countSessions(t *testing.T, s *store.Store) int64 {
	t.Helper()
	n, err := s.DeleteExpiredSessions(context.Background(), testNow.Add(100*365*24*time.Hour))
	if err != nil {
		t.Fatalf("DeleteExpiredSessions: %v", err)
	}
	return n
}

func sameSession(t *testing.T, what string, got, want store.Session) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.LastSeenAt.Equal(want.LastSeenAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Asia/Tokyo")
		tests := []struct {
			user store.User
			ttl  time.Duration
		}{
			{alice, 30 * 24 * time.Hour},
			{alice, time.Second + 1500*time.Nanosecond},
			{bob, time.Hour},
		}
		tokens := map[string]bool{}
		for _, tt := range tests {
			token, sess, err := s.CreateSession(ctx, tt.user.ID, tt.ttl)
			if err != nil {
				t.Fatalf("CreateSession(%s, %s): %v", tt.user.Login, tt.ttl, err)
			}
			if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != 32 || len(token) != 43 {
				t.Errorf("token %q: got %d bytes, %v; want 43 characters of base64url holding 32 bytes", token, len(raw), err)
			}
			if tokens[token] {
				t.Errorf("token %q given twice", token)
			}
			tokens[token] = true
			want := store.Session{ID: sess.ID, UserID: tt.user.ID, CreatedAt: testNow, LastSeenAt: testNow,
				ExpiresAt: testNow.Add(tt.ttl).Truncate(time.Microsecond)}
			sameSession(t, "CreateSession", sess, want)
			got, u, err := s.SessionByToken(ctx, token)
			if err != nil {
				t.Fatalf("SessionByToken: %v", err)
			}
			sameSession(t, "SessionByToken", got, want)
			if u.ID != tt.user.ID || u.Login != tt.user.Login || u.TimeZone != tt.user.TimeZone || u.Role != tt.user.Role ||
				u.Disabled || !u.CreatedAt.Equal(tt.user.CreatedAt) {
				t.Errorf("SessionByToken user: got %+v; want %+v", u, tt.user)
			}
		}
	})
}

func TestSessionByTokenRefuses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		aliceToken, _ := mkSession(t, s, alice.ID, time.Hour)
		bobToken, _ := mkSession(t, s, bob.ID, 24*time.Hour)
		bobOther, _ := mkSession(t, s, bob.ID, 24*time.Hour)
		disabled := true
		if _, err := s.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &disabled}); err != nil {
			t.Fatalf("UpdateUser(bob, disabled): %v", err)
		}
		tests := []struct {
			name  string
			now   time.Time
			token string
		}{
			{"unknown token", testNow, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"empty token", testNow, ""},
			{"a truncated token", testNow, aliceToken[:42]},
			{"disabled through UpdateUser", testNow, bobToken},
			{"disabled through UpdateUser, other browser", testNow, bobOther},
			{"expired exactly", testNow.Add(time.Hour), aliceToken},
			{"expired", testNow.Add(2 * time.Hour), aliceToken},
		}
		for _, tt := range tests {
			clock.t = tt.now
			_, _, err := s.SessionByToken(ctx, tt.token)
			wantNotFound(t, tt.name, err)
		}
		clock.t = testNow.Add(time.Hour - time.Microsecond)
		if _, _, err := s.SessionByToken(ctx, aliceToken); err != nil {
			t.Errorf("a microsecond before expiry: %v", err)
		}
		// re-enabling bob does not bring his sessions back: disabling deleted them
		enabled := false
		if _, err := s.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &enabled}); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.SessionByToken(ctx, bobToken)
		wantNotFound(t, "re-enabled", err)
	})
}

func TestCreateSessionInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		addUser(t, s, "bob", "Europe/Paris")
		disabled := true
		bob, err := s.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &disabled})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			userID int64
			ttl    time.Duration
			field  string
		}{
			{"no user", 9999, time.Hour, "user"},
			{"disabled user", bob.ID, time.Hour, "user"},
			{"zero ttl", alice.ID, 0, "ttl"},
			{"negative ttl", alice.ID, -time.Hour, "ttl"},
		}
		for _, tt := range tests {
			token, _, err := s.CreateSession(ctx, tt.userID, tt.ttl)
			wantFieldError(t, err, tt.field)
			if token != "" {
				t.Errorf("%s: got token %q; want none", tt.name, token)
			}
		}
		if n := countSessions(t, s); n != 0 {
			t.Errorf("got %d sessions after the errors; want 0", n)
		}
	})
}

func TestTouchSession(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		token, sess := mkSession(t, s, alice.ID, time.Hour)
		seen := testNow.Add(10*time.Minute + 999*time.Nanosecond)
		for range 2 { // the second time changes no row: still not "not found"
			if err := s.TouchSession(ctx, sess.ID, seen); err != nil {
				t.Fatalf("TouchSession: %v", err)
			}
		}
		got, _, err := s.SessionByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		want := sess
		want.LastSeenAt = seen.Truncate(time.Microsecond)
		sameSession(t, "touched", got, want)
		wantNotFound(t, "TouchSession(9999)", s.TouchSession(ctx, 9999, seen))
	})
}

func TestDeleteSession(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		token, _ := mkSession(t, s, alice.ID, time.Hour)
		other, _ := mkSession(t, s, alice.ID, time.Hour)
		if err := s.DeleteSession(ctx, token); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, _, err := s.SessionByToken(ctx, token)
		wantNotFound(t, "deleted session", err)
		if _, _, err := s.SessionByToken(ctx, other); err != nil {
			t.Errorf("the other session: %v", err)
		}
		wantNotFound(t, "DeleteSession again", s.DeleteSession(ctx, token))
		wantNotFound(t, "DeleteSession(unknown)", s.DeleteSession(ctx, "nope"))
		if n := countSessions(t, s); n != 1 {
			t.Errorf("got %d sessions; want 1", n)
		}
	})
}

func TestDeleteExpiredSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		var tokens []string
		for _, ttl := range []time.Duration{time.Minute, time.Hour, time.Hour + time.Microsecond, 24 * time.Hour} {
			token, _ := mkSession(t, s, alice.ID, ttl)
			tokens = append(tokens, token)
		}
		tests := []struct {
			now  time.Time
			want int64
		}{
			{testNow, 0},
			{testNow.Add(time.Hour), 2}, // expiring exactly now counts as expired
			{testNow.Add(time.Hour), 0},
			{testNow.Add(2 * time.Hour), 1},
		}
		for _, tt := range tests {
			n, err := s.DeleteExpiredSessions(ctx, tt.now)
			if err != nil || n != tt.want {
				t.Errorf("DeleteExpiredSessions(%v): got %d, %v; want %d", tt.now, n, err, tt.want)
			}
		}
		for i, token := range tokens {
			_, _, err := s.SessionByToken(ctx, token)
			if i < 3 {
				wantNotFound(t, "deleted expired session", err)
			} else if err != nil {
				t.Errorf("live session: %v", err)
			}
		}
	})
}
