package calsync

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"

	"github.com/pfsnotify/pfsnotify/pkg/calsync/calsynctest"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const telecons = "c_telecons@group.calendar.google.com"

// fastRetry keeps tests quick.
var fastRetry = Retry{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond}

// newFakeGoogle starts the fake API and a source on it, unauthenticated,
// as DEPENDENCIES.md describes.
func newFakeGoogle(t *testing.T) (*calsynctest.GoogleServer, *Google) {
	t.Helper()
	fake := calsynctest.NewGoogleServer()
	t.Cleanup(fake.Close)
	svc, err := calendar.NewService(context.Background(), option.WithEndpoint(fake.BaseURL()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return fake, &Google{Service: svc, Retry: fastRetry}
}

func googleCalendar() store.Calendar {
	return store.Calendar{ID: 1, Name: "telecons", Kind: store.CalendarGoogle, Source: telecons, TimeZone: "Europe/Zurich"}
}

func window(now time.Time) (time.Time, time.Time) {
	return now.Add(-24 * time.Hour), now.Add(90 * 24 * time.Hour)
}

var googleNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// weeklySeries puts n weekly occurrences of a one-hour series, Tuesdays 16:00 in Zurich.
func weeklySeries(fake *calsynctest.GoogleServer, id, title string, n int) []*calendar.Event {
	var out []*calendar.Event
	first := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	for i := range n {
		at := first.AddDate(0, 0, 7*i)
		out = append(out, calsynctest.Occurrence(id, title, at, at, time.Hour, "Europe/Zurich"))
	}
	fake.Put(telecons, out...)
	return out
}

func eventIDs(events []store.Event) []string {
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ExternalID)
	}
	slices.Sort(ids)
	return ids
}

func TestGoogleFullThenIncremental(t *testing.T) {
	ctx := context.Background()
	fake, g := newFakeGoogle(t)
	fake.PageSize = 2
	fake.SetTimeZone(telecons, "Europe/Zurich")
	weeklySeries(fake, "weekly", "Weekly telecon", 5)
	fake.Put(telecons, calsynctest.AllDay("holiday", "Collaboration\nholiday", "2026-12-24", "2026-12-26"))
	far := time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC)
	fake.Put(telecons, calsynctest.Timed("beyond", "Beyond the horizon", far, far.Add(time.Hour), "UTC"))
	from, to := window(googleNow)
	cal := googleCalendar()

	full, err := g.Fetch(ctx, Request{Calendar: cal, From: from, To: to})
	if err != nil {
		t.Fatalf("full sync: %v", err)
	}
	if !full.Complete || !full.FullRead || full.SyncToken == "" || len(full.Gone) != 0 {
		t.Errorf("full sync: got complete=%t full=%t token=%q gone=%v; want complete, full, a token, none gone",
			full.Complete, full.FullRead, full.SyncToken, full.Gone)
	}
	wantIDs := []string{"holiday", "weekly_20261201T150000Z", "weekly_20261208T150000Z", "weekly_20261215T150000Z",
		"weekly_20261222T150000Z", "weekly_20261229T150000Z"}
	if got := eventIDs(full.Events); !slices.Equal(got, wantIDs) {
		t.Errorf("full sync: got %q; want %q", got, wantIDs)
	}
	pages := 0
	for _, r := range fake.Requests() {
		if strings.Contains(r, "/events?") {
			pages++
			if !strings.Contains(r, "singleEvents=true") || !strings.Contains(r, "showDeleted=true") || !strings.Contains(r, "timeMin=") {
				t.Errorf("full sync request %s lacks singleEvents, showDeleted or timeMin", r)
			}
		}
	}
	if pages != 3 {
		t.Errorf("full sync: got %d pages; want 3 (6 events, 2 a page)", pages)
	}
	for _, e := range full.Events {
		if e.ExternalID == "holiday" {
			if !e.AllDay || e.Title != "Collaboration holiday" || !e.StartAt.Equal(time.Date(2026, 12, 23, 23, 0, 0, 0, time.UTC)) ||
				!e.EndAt.Equal(time.Date(2026, 12, 25, 23, 0, 0, 0, time.UTC)) {
				t.Errorf("all-day event: got %s; want 2026-12-23T23:00Z..2026-12-25T23:00Z, all day, a clean title", brief(e))
			}
		}
	}

	// Changes: one occurrence moves, one is cancelled, the series' last
	// occurrence is deleted outright, a new event appears.
	moved := calsynctest.Occurrence("weekly", "Weekly telecon", time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC), time.Hour, "Europe/Zurich")
	cancelled := calsynctest.Occurrence("weekly", "Weekly telecon", time.Date(2026, 12, 15, 15, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 15, 15, 0, 0, 0, time.UTC), time.Hour, "Europe/Zurich")
	cancelled.Status = "cancelled"
	fake.Put(telecons, moved, cancelled)
	fake.Delete(telecons, "weekly_20261229T150000Z")
	fresh := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	fake.Put(telecons, calsynctest.Timed("review", "Detector review", fresh, fresh.Add(2*time.Hour), "Asia/Tokyo"))
	cal.SyncToken = full.SyncToken
	inc, err := g.Fetch(ctx, Request{Calendar: cal, From: from, To: to})
	if err != nil {
		t.Fatalf("incremental sync: %v", err)
	}
	if inc.Complete || inc.FullRead || inc.SyncToken == "" || inc.SyncToken == full.SyncToken {
		t.Errorf("incremental sync: got complete=%t full=%t token %q (before %q); want neither complete nor full, a new token",
			inc.Complete, inc.FullRead, inc.SyncToken, full.SyncToken)
	}
	if got, want := eventIDs(inc.Events), []string{"review", "weekly_20261208T150000Z", "weekly_20261215T150000Z"}; !slices.Equal(got, want) {
		t.Errorf("incremental sync: got %q; want %q", got, want)
	}
	if !slices.Equal(inc.Gone, []string{"weekly_20261229T150000Z"}) {
		t.Errorf("incremental sync: got gone %q; want the deleted occurrence", inc.Gone)
	}
	for _, e := range inc.Events {
		switch e.ExternalID {
		case "weekly_20261208T150000Z":
			if !e.StartAt.Equal(time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC)) || e.Status != store.EventConfirmed {
				t.Errorf("moved occurrence: got %s", brief(e))
			}
		case "weekly_20261215T150000Z":
			if e.Status != store.EventCancelled {
				t.Errorf("cancelled occurrence: got %s; want cancelled", brief(e))
			}
		case "review":
			if e.TimeZone != "Asia/Tokyo" {
				t.Errorf("new event: got zone %q; want Asia/Tokyo", e.TimeZone)
			}
		}
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "timeMin") || !strings.Contains(r, "syncToken=") {
			t.Errorf("incremental request %s: want a sync token and no timeMin", r)
		}
	}

	// Nothing changed: an empty page with the same token.
	cal.SyncToken = inc.SyncToken
	none, err := g.Fetch(ctx, Request{Calendar: cal, From: from, To: to})
	if err != nil || len(none.Events) != 0 || len(none.Gone) != 0 || none.SyncToken != inc.SyncToken {
		t.Errorf("sync without changes: got %d events, %d gone, token %q, %v; want nothing and the same token",
			len(none.Events), len(none.Gone), none.SyncToken, err)
	}
}

func TestGoogleStaleSyncTokenMeansFullSync(t *testing.T) {
	fake, g := newFakeGoogle(t)
	weeklySeries(fake, "weekly", "Weekly telecon", 2)
	from, to := window(googleNow)
	cal := googleCalendar()
	first, err := g.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	fake.ExpireSyncTokens(telecons)
	fake.Requests()
	cal.SyncToken = first.SyncToken
	res, err := g.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to})
	if err != nil {
		t.Fatalf("after 410: %v", err)
	}
	if !res.Complete || !res.FullRead || len(res.Events) != 2 || res.SyncToken == first.SyncToken {
		t.Errorf("after 410: got complete=%t full=%t %d events token %q; want a full listing of 2 and a new token",
			res.Complete, res.FullRead, len(res.Events), res.SyncToken)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[0], "syncToken=") || !strings.Contains(reqs[1], "timeMin=") {
		t.Errorf("got requests %q; want the stale token, then a full listing", reqs)
	}
}

func TestGoogleRetriesAndFailures(t *testing.T) {
	tests := []struct {
		name    string
		fail    int
		status  int
		reason  string
		wantErr string // "" when the fetch must succeed after retries
	}{
		{"rate limited, then fine", 2, http.StatusForbidden, "rateLimitExceeded", ""},
		{"user rate limit", 1, http.StatusForbidden, "userRateLimitExceeded", ""},
		{"429, then fine", 3, http.StatusTooManyRequests, "rateLimitExceeded", ""},
		{"500, then fine", 2, http.StatusInternalServerError, "backendError", ""},
		{"500 for good", 10, http.StatusInternalServerError, "backendError", "HTTP 500"},
		{"forbidden", 1, http.StatusForbidden, "forbidden", "shared with the service account"},
		{"unauthorized", 1, http.StatusUnauthorized, "authError", "google.credentials_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, g := newFakeGoogle(t)
			weeklySeries(fake, "weekly", "Weekly telecon", 2)
			fake.FailNext(tt.fail, tt.status, tt.reason)
			from, to := window(googleNow)
			res, err := g.Fetch(context.Background(), Request{Calendar: googleCalendar(), From: from, To: to})
			if tt.wantErr == "" {
				if err != nil || len(res.Events) != 2 {
					t.Fatalf("got %d events, %v; want 2 after retries", len(res.Events), err)
				}
				if got := len(fake.Requests()); got != tt.fail+1 {
					t.Errorf("got %d requests; want %d", got, tt.fail+1)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v; want one containing %q", err, tt.wantErr)
			}
			if got, want := len(fake.Requests()), min(tt.fail, fastRetry.Attempts); googleTransientStatus(tt.status, tt.reason) && got != want {
				t.Errorf("got %d requests; want %d", got, want)
			}
		})
	}
}

func googleTransientStatus(status int, reason string) bool {
	return status >= 500 || status == 429 || reason == "rateLimitExceeded"
}

func TestGoogleUnknownCalendar(t *testing.T) {
	_, g := newFakeGoogle(t)
	cal := googleCalendar()
	cal.Source = "nobody@group.calendar.google.com"
	_, err := g.Fetch(context.Background(), Request{Calendar: cal, From: googleNow, To: googleNow.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "nobody@group.calendar.google.com") {
		t.Errorf("got %v; want a 404 naming the calendar", err)
	}
}

func TestGoogleAPIKey(t *testing.T) {
	fake := calsynctest.NewGoogleServer()
	defer fake.Close()
	fake.APIKey = "AIzaTestKey"
	weeklySeries(fake, "weekly", "Weekly telecon", 1)
	from, to := window(googleNow)
	for _, tt := range []struct {
		key     string
		wantErr bool
	}{{"AIzaTestKey", false}, {"wrong", true}} {
		svc, err := NewGoogleService(context.Background(), GoogleAuth{APIKey: tt.key}, fake.BaseURL(), &http.Client{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		g := &Google{Service: svc, Retry: fastRetry}
		res, err := g.Fetch(context.Background(), Request{Calendar: googleCalendar(), From: from, To: to})
		if gotErr := err != nil; gotErr != tt.wantErr || !tt.wantErr && len(res.Events) != 1 {
			t.Errorf("key %q: got %d events, %v; want error=%t", tt.key, len(res.Events), err, tt.wantErr)
		}
	}
}

// A service account's key file: the client signs a JWT, trades it for an
// access token at the key's token_uri, and sends that token.
func TestGoogleServiceAccount(t *testing.T) {
	fake := calsynctest.NewGoogleServer()
	defer fake.Close()
	fake.AccessToken = "ya29.test-token"
	weeklySeries(fake, "weekly", "Weekly telecon", 1)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "pfsnotify-test", "private_key_id": "k1", "private_key": string(keyPEM),
		"client_email": "pfsnotify@pfsnotify-test.iam.gserviceaccount.com", "client_id": "1",
		"token_uri": fake.TokenURL(),
	})
	path := filepath.Join(t.TempDir(), "google-credentials.json")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := NewGoogleService(context.Background(), GoogleAuth{CredentialsFile: path}, fake.BaseURL(), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewGoogleService: %v", err)
	}
	g := &Google{Service: svc, Retry: fastRetry}
	from, to := window(googleNow)
	res, err := g.Fetch(context.Background(), Request{Calendar: googleCalendar(), From: from, To: to})
	if err != nil || len(res.Events) != 1 {
		t.Fatalf("got %d events, %v; want 1", len(res.Events), err)
	}
	if fake.TokenRequests == 0 || fake.LastAssertion == "" {
		t.Errorf("got %d token requests; want the JWT traded for a token", fake.TokenRequests)
	}

	_, err = NewGoogleService(context.Background(), GoogleAuth{CredentialsFile: filepath.Join(t.TempDir(), "missing.json")},
		fake.BaseURL(), &http.Client{Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "google.credentials_file") {
		t.Errorf("a missing key file: got %v; want an error naming google.credentials_file", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
