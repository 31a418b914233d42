package store_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// browserKeys returns a fresh p256dh (65-byte uncompressed P-256 point) and
// auth secret (16 bytes), as raw bytes.
func browserKeys(t *testing.T) (p256dh, auth []byte) {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth = make([]byte, 16)
	rand.Read(auth)
	return key.PublicKey().Bytes(), auth
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

const fcmEndpoint = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx"

func mkPushSubscription(t *testing.T, s *store.Store, userID int64, endpoint string) store.PushSubscription {
	t.Helper()
	p256dh, auth := browserKeys(t)
	p, err := s.SavePushSubscription(context.Background(), store.PushSubscription{UserID: userID, Endpoint: endpoint,
		P256dh: b64(p256dh), Auth: b64(auth), UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
	if err != nil {
		t.Fatalf("SavePushSubscription(%s): %v", endpoint, err)
	}
	return p
}

func listPush(t *testing.T, s *store.Store, userID int64, includeExpired bool) []store.PushSubscription {
	t.Helper()
	subs, err := s.ListPushSubscriptions(context.Background(), userID, includeExpired)
	if err != nil {
		t.Fatalf("ListPushSubscriptions: %v", err)
	}
	return subs
}

func samePush(t *testing.T, what string, got, want store.PushSubscription) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Endpoint != want.Endpoint || got.P256dh != want.P256dh ||
		got.Auth != want.Auth || got.UserAgent != want.UserAgent || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.LastSuccessAt.Equal(want.LastSuccessAt) || got.ConsecutiveFailures != want.ConsecutiveFailures ||
		!got.ExpiredAt.Equal(want.ExpiredAt) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

func TestSavePushSubscriptionRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		p256dh, auth := browserKeys(t)
		tests := []struct {
			name          string
			endpoint      string
			p256dh, auth  string
			userAgent     string
			wantUserAgent string
		}{
			{"unpadded base64url", fcmEndpoint, b64(p256dh), b64(auth), "Chrome/141", "Chrome/141"},
			{"padded base64url", " https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn ",
				base64.URLEncoding.EncodeToString(p256dh), base64.URLEncoding.EncodeToString(auth), "", ""},
			{"standard base64, long user agent", "https://web.push.apple.com/QGuQyavXutnMH",
				base64.StdEncoding.EncodeToString(p256dh), base64.StdEncoding.EncodeToString(auth),
				strings.Repeat("é", 600) + "\n", strings.Repeat("é", 512)},
		}
		var want []store.PushSubscription
		for _, tt := range tests {
			got, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: alice.ID, Endpoint: tt.endpoint,
				P256dh: tt.p256dh, Auth: tt.auth, UserAgent: tt.userAgent})
			if err != nil {
				t.Fatalf("%s: SavePushSubscription: %v", tt.name, err)
			}
			w := store.PushSubscription{ID: got.ID, UserID: alice.ID, Endpoint: strings.TrimSpace(tt.endpoint),
				P256dh: b64(p256dh), Auth: b64(auth), UserAgent: tt.wantUserAgent, CreatedAt: testNow}
			samePush(t, tt.name, got, w)
			want = append(want, w)
		}
		subs := listPush(t, s, alice.ID, false)
		if len(subs) != len(want) {
			t.Fatalf("ListPushSubscriptions: got %d; want %d", len(subs), len(want))
		}
		for i := range subs {
			samePush(t, "ListPushSubscriptions", subs[i], want[i])
		}
		if n := len(listPush(t, s, alice.ID+1, true)); n != 0 {
			t.Errorf("another user's list: got %d subscriptions; want 0", n)
		}
	})
}

func TestSavePushSubscriptionAgain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		first := mkPushSubscription(t, s, alice.ID, fcmEndpoint)
		sent := testNow.Add(time.Minute)
		if err := s.MarkPushSuccess(ctx, first.ID, sent); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkPushFailure(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.ExpirePushSubscription(ctx, first.ID, testNow.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}

		// the same browser subscribes again, with new keys
		clock.t = testNow.Add(time.Hour)
		p256dh, auth := browserKeys(t)
		again, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: alice.ID, Endpoint: fcmEndpoint,
			P256dh: b64(p256dh), Auth: b64(auth), UserAgent: "Chrome/142"})
		if err != nil {
			t.Fatalf("SavePushSubscription again: %v", err)
		}
		want := store.PushSubscription{ID: first.ID, UserID: alice.ID, Endpoint: fcmEndpoint, P256dh: b64(p256dh), Auth: b64(auth),
			UserAgent: "Chrome/142", CreatedAt: testNow, LastSuccessAt: sent}
		samePush(t, "saved again", again, want)
		subs := listPush(t, s, alice.ID, true)
		if len(subs) != 1 {
			t.Fatalf("got %d subscriptions; want 1", len(subs))
		}
		samePush(t, "saved again, listed", subs[0], want)

		// the same again changes nothing
		if again, err = s.SavePushSubscription(ctx, store.PushSubscription{UserID: alice.ID, Endpoint: fcmEndpoint,
			P256dh: b64(p256dh), Auth: b64(auth), UserAgent: "Chrome/142"}); err != nil {
			t.Fatalf("SavePushSubscription, same again: %v", err)
		}
		samePush(t, "same again", again, want)

		// bob signs in on alice's browser: the subscription is his now
		moved, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: bob.ID, Endpoint: fcmEndpoint,
			P256dh: b64(p256dh), Auth: b64(auth), UserAgent: "Chrome/142"})
		if err != nil {
			t.Fatalf("SavePushSubscription by bob: %v", err)
		}
		want.UserID, want.LastSuccessAt = bob.ID, time.Time{}
		samePush(t, "moved to bob", moved, want)
		if n := len(listPush(t, s, alice.ID, true)); n != 0 {
			t.Errorf("alice: got %d subscriptions; want 0", n)
		}
		if subs := listPush(t, s, bob.ID, true); len(subs) != 1 {
			t.Errorf("bob: got %d subscriptions; want 1", len(subs))
		} else {
			samePush(t, "bob's", subs[0], want)
		}
	})
}

func TestSavePushSubscriptionInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		disabled := true
		if _, err := s.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		p256dh, auth := browserKeys(t)
		compressed := append([]byte{0x02}, p256dh[1:33]...)
		offCurve := append([]byte(nil), p256dh...)
		offCurve[64] ^= 1
		notP256 := append([]byte{0x05}, p256dh[1:]...)
		good := store.PushSubscription{UserID: alice.ID, Endpoint: fcmEndpoint, P256dh: b64(p256dh), Auth: b64(auth)}
		tests := []struct {
			name   string
			change func(p *store.PushSubscription)
			field  string
		}{
			{"empty endpoint", func(p *store.PushSubscription) { p.Endpoint = "" }, "endpoint"},
			{"http endpoint", func(p *store.PushSubscription) { p.Endpoint = "http://push.example.org/x" }, "endpoint"},
			{"relative endpoint", func(p *store.PushSubscription) { p.Endpoint = "/fcm/send/x" }, "endpoint"},
			{"endpoint without host", func(p *store.PushSubscription) { p.Endpoint = "https:///x" }, "endpoint"},
			{"endpoint with a space", func(p *store.PushSubscription) { p.Endpoint = "https://push.example.org/a b" }, "endpoint"},
			{"long endpoint", func(p *store.PushSubscription) { p.Endpoint = "https://push.example.org/" + strings.Repeat("x", 2030) }, "endpoint"},
			{"empty p256dh", func(p *store.PushSubscription) { p.P256dh = "" }, "p256dh"},
			{"p256dh not base64", func(p *store.PushSubscription) { p.P256dh = "not base64!" }, "p256dh"},
			{"compressed p256dh", func(p *store.PushSubscription) { p.P256dh = b64(compressed) }, "p256dh"},
			{"p256dh not 0x04", func(p *store.PushSubscription) { p.P256dh = b64(notP256) }, "p256dh"},
			{"p256dh off the curve", func(p *store.PushSubscription) { p.P256dh = b64(offCurve) }, "p256dh"},
			{"short auth", func(p *store.PushSubscription) { p.Auth = b64(auth[:15]) }, "auth"},
			{"long auth", func(p *store.PushSubscription) { p.Auth = b64(append(auth, 0)) }, "auth"},
			{"auth not base64", func(p *store.PushSubscription) { p.Auth = "%%%" }, "auth"},
			{"no user", func(p *store.PushSubscription) { p.UserID = 9999 }, "user"},
			{"disabled user", func(p *store.PushSubscription) { p.UserID = bob.ID }, "user"},
		}
		for _, tt := range tests {
			p := good
			tt.change(&p)
			_, err := s.SavePushSubscription(ctx, p)
			wantFieldError(t, err, tt.field)
			for _, u := range []int64{alice.ID, bob.ID} {
				if n := len(listPush(t, s, u, true)); n != 0 {
					t.Errorf("%s: got %d subscriptions after the error; want 0", tt.name, n)
				}
			}
		}
		// a bad re-send leaves the stored subscription as it was
		stored, err := s.SavePushSubscription(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		bad := good
		bad.Auth, bad.UserAgent = "short", "Other"
		_, err = s.SavePushSubscription(ctx, bad)
		wantFieldError(t, err, "auth")
		subs := listPush(t, s, alice.ID, true)
		if len(subs) != 1 {
			t.Fatalf("got %d subscriptions; want 1", len(subs))
		}
		samePush(t, "after a bad re-send", subs[0], stored)
	})
}

func TestPushSubscriptionOutcomes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		p := mkPushSubscription(t, s, alice.ID, fcmEndpoint)
		other := mkPushSubscription(t, s, alice.ID, "https://updates.push.services.mozilla.com/wpush/v2/x")
		check := func(what string, lastSuccess time.Time, failures int, expired time.Time) {
			t.Helper()
			subs := listPush(t, s, alice.ID, true)
			if len(subs) != 2 {
				t.Fatalf("%s: got %d subscriptions; want 2", what, len(subs))
			}
			want := p
			want.LastSuccessAt, want.ConsecutiveFailures, want.ExpiredAt = lastSuccess, failures, expired
			samePush(t, what, subs[0], want)
			samePush(t, what+": the other one", subs[1], other)
		}
		for i := 1; i <= 3; i++ {
			n, err := s.MarkPushFailure(ctx, p.ID)
			if err != nil || n != i {
				t.Fatalf("MarkPushFailure %d: got %d, %v; want %d", i, n, err, i)
			}
		}
		check("three failures", time.Time{}, 3, time.Time{})
		ok := testNow.Add(time.Minute + 1500*time.Nanosecond)
		for range 2 { // the second time changes no row: still not "not found"
			if err := s.MarkPushSuccess(ctx, p.ID, ok); err != nil {
				t.Fatalf("MarkPushSuccess: %v", err)
			}
		}
		check("a success", ok.Truncate(time.Microsecond), 0, time.Time{})
		if n, err := s.MarkPushFailure(ctx, p.ID); err != nil || n != 1 {
			t.Fatalf("MarkPushFailure after a success: got %d, %v; want 1", n, err)
		}
		gone := testNow.Add(time.Hour)
		if err := s.ExpirePushSubscription(ctx, p.ID, gone); err != nil {
			t.Fatalf("ExpirePushSubscription: %v", err)
		}
		if err := s.ExpirePushSubscription(ctx, p.ID, gone.Add(time.Hour)); err != nil {
			t.Fatalf("ExpirePushSubscription again: %v", err)
		}
		check("expired", ok.Truncate(time.Microsecond), 1, gone)
		if live := listPush(t, s, alice.ID, false); len(live) != 1 || live[0].ID != other.ID {
			t.Errorf("live subscriptions: got %+v; want only #%d", live, other.ID)
		}

		wantNotFound(t, "MarkPushSuccess(9999)", s.MarkPushSuccess(ctx, 9999, ok))
		_, err := s.MarkPushFailure(ctx, 9999)
		wantNotFound(t, "MarkPushFailure(9999)", err)
		wantNotFound(t, "ExpirePushSubscription(9999)", s.ExpirePushSubscription(ctx, 9999, gone))
	})
}

func TestDeletePushSubscription(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		p := mkPushSubscription(t, s, alice.ID, fcmEndpoint)
		wantNotFound(t, "bob deletes alice's", s.DeletePushSubscription(ctx, bob.ID, p.ID))
		if n := len(listPush(t, s, alice.ID, true)); n != 1 {
			t.Fatalf("after bob's attempt: got %d subscriptions; want 1", n)
		}
		if err := s.DeletePushSubscription(ctx, alice.ID, p.ID); err != nil {
			t.Fatalf("DeletePushSubscription: %v", err)
		}
		if n := len(listPush(t, s, alice.ID, true)); n != 0 {
			t.Errorf("got %d subscriptions; want 0", n)
		}
		wantNotFound(t, "DeletePushSubscription again", s.DeletePushSubscription(ctx, alice.ID, p.ID))
	})
}

func TestSavePushSubscriptionConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		bob := addUser(t, s, "bob", "Europe/Paris")
		p256dh, auth := browserKeys(t)
		tests := []struct {
			name  string
			users []int64
		}{
			{"one user, many tabs", []int64{alice.ID, alice.ID, alice.ID, alice.ID, alice.ID, alice.ID}},
			{"two users", []int64{alice.ID, bob.ID, alice.ID, bob.ID}},
		}
		for i, tt := range tests {
			endpoint := fcmEndpoint + "-" + itoa(int64(i))
			errs := make(chan error, len(tt.users))
			var wg sync.WaitGroup
			for _, u := range tt.users {
				wg.Go(func() {
					_, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: u, Endpoint: endpoint, P256dh: b64(p256dh), Auth: b64(auth)})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("%s: SavePushSubscription: %v", tt.name, err)
				}
			}
			n := 0
			for _, u := range []int64{alice.ID, bob.ID} {
				for _, p := range listPush(t, s, u, true) {
					if p.Endpoint == endpoint {
						n++
					}
				}
			}
			if n != 1 {
				t.Errorf("%s: got %d subscriptions for the endpoint; want 1", tt.name, n)
			}
		}
	})
}

func TestMarkPushSuccesses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := addUser(t, s, "alice", "UTC")
		a := mkPushSubscription(t, s, alice.ID, "https://push.example.org/a")
		b := mkPushSubscription(t, s, alice.ID, "https://push.example.org/b")
		c := mkPushSubscription(t, s, alice.ID, "https://push.example.org/c")
		if _, err := s.MarkPushFailure(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		at := testNow.Add(time.Hour)
		if err := s.MarkPushSuccesses(ctx, at, []int64{a.ID, b.ID, a.ID, 9999}); err != nil {
			t.Fatalf("MarkPushSuccesses: %v", err)
		}
		for _, p := range listPush(t, s, alice.ID, false) {
			marked := p.ID == a.ID || p.ID == b.ID
			if marked && (!p.LastSuccessAt.Equal(at) || p.ConsecutiveFailures != 0) {
				t.Errorf("#%d: got last success %v, %d failures; want %v, 0", p.ID, p.LastSuccessAt, p.ConsecutiveFailures, at)
			}
			if p.ID == c.ID && !p.LastSuccessAt.IsZero() {
				t.Errorf("#%d was not in the list but got a success at %v", p.ID, p.LastSuccessAt)
			}
		}
	})
}
