package calsync

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func icsCalendar(source string) store.Calendar {
	return store.Calendar{ID: 1, Name: "indico", Kind: store.CalendarICS, Source: source, TimeZone: "Europe/Zurich"}
}

// The conditional GET: the validators a server gives are sent back, and a
// 304 is NotModified; a full sync sends none.
func TestICSConditionalGet(t *testing.T) {
	body := feed(telecon(2))
	const lastModified = "Sat, 21 Nov 2026 10:00:00 GMT"
	tests := []struct {
		name         string
		etag         string // what the server sends; "" for none
		lastModified string
		wantHeader   string // the header the second request carries
	}{
		{"etag", `"v1"`, "", "If-None-Match"},
		{"last-modified", "", lastModified, "If-Modified-Since"},
		{"both", `"v1"`, lastModified, "If-None-Match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Clone())
				mu.Unlock()
				if tt.etag != "" && r.Header.Get("If-None-Match") == tt.etag ||
					tt.etag == "" && tt.lastModified != "" && r.Header.Get("If-Modified-Since") == tt.lastModified {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				if tt.etag != "" {
					w.Header().Set("ETag", tt.etag)
				}
				if tt.lastModified != "" {
					w.Header().Set("Last-Modified", tt.lastModified)
				}
				w.Write(body)
			}))
			defer srv.Close()
			src := &ICS{Client: srv.Client(), Retry: fastRetry}
			cal := icsCalendar(srv.URL + "/feed.ics")
			from, to := window(syncStart)
			first, err := src.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to})
			if err != nil || first.NotModified || len(first.Events) != 2 || first.ETag != tt.etag || first.LastModified != tt.lastModified {
				t.Fatalf("first fetch: got %+v, %v; want 2 events and the validators", first, err)
			}
			cal.ETag, cal.LastModified = first.ETag, first.LastModified
			second, err := src.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to})
			if err != nil || !second.NotModified || second.ETag != tt.etag || second.LastModified != tt.lastModified {
				t.Errorf("second fetch: got %+v, %v; want not modified, the validators kept", second, err)
			}
			full, err := src.Fetch(context.Background(), Request{Calendar: cal, Full: true, From: from, To: to})
			if err != nil || full.NotModified || len(full.Events) != 2 {
				t.Errorf("full fetch: got %+v, %v; want the feed read", full, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 3 || seen[0].Get(tt.wantHeader) != "" || seen[1].Get(tt.wantHeader) == "" ||
				seen[2].Get("If-None-Match") != "" || seen[2].Get("If-Modified-Since") != "" {
				t.Errorf("got requests %v; want %s on the second only", seen, tt.wantHeader)
			}
		})
	}
}

func TestICSRetriesAndLimits(t *testing.T) {
	body := feed(telecon(2))
	tests := []struct {
		name     string
		answers  []int // status of each answer in turn; the last repeats
		maxBytes int64
		wantErr  string
		wantReqs int
	}{
		{"429 with Retry-After, then fine", []int{429, 200}, 0, "", 2},
		{"502 twice, then fine", []int{502, 502, 200}, 0, "", 3},
		{"503 for good", []int{503}, 0, "GET: 503 Service Unavailable", 4},
		{"403: no retry", []int{403}, 0, "GET: 403 Forbidden", 1},
		{"too large", []int{200}, 100, "larger than", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				status := tt.answers[min(n, len(tt.answers)-1)]
				n++
				mu.Unlock()
				if status != 200 {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "try later", status)
					return
				}
				w.Write(body)
			}))
			defer srv.Close()
			src := &ICS{Client: srv.Client(), Retry: fastRetry, MaxBytes: tt.maxBytes}
			from, to := window(syncStart)
			res, err := src.Fetch(context.Background(), Request{Calendar: icsCalendar(srv.URL + "/feed.ics?token=s3cret"), From: from, To: to})
			switch {
			case tt.wantErr == "" && (err != nil || len(res.Events) != 2):
				t.Errorf("got %d events, %v; want 2", len(res.Events), err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "s3cret"):
				t.Errorf("the error shows the URL's query: %v", err)
			}
			if n != tt.wantReqs {
				t.Errorf("got %d requests; want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestICSFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.ics")
	if err := os.WriteFile(path, feed(telecon(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	src := &ICS{}
	cal := icsCalendar(path)
	from, to := window(syncStart)
	first, err := src.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to})
	if err != nil || len(first.Events) != 3 || !strings.HasPrefix(first.ETag, "sha256:") {
		t.Fatalf("got %+v, %v; want 3 events and a content hash", first, err)
	}
	cal.ETag = first.ETag
	if again, err := src.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to}); err != nil || !again.NotModified {
		t.Errorf("the same file again: got %+v, %v; want not modified", again, err)
	}
	if err := os.WriteFile(path, feed(telecon(4)), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := src.Fetch(context.Background(), Request{Calendar: cal, From: from, To: to}); err != nil || changed.NotModified || len(changed.Events) != 4 {
		t.Errorf("a changed file: got %+v, %v; want 4 events", changed, err)
	}
	_, err = src.Fetch(context.Background(), Request{Calendar: icsCalendar(filepath.Join(dir, "missing.ics")), From: from, To: to})
	if err == nil || !strings.Contains(err.Error(), "missing.ics") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing file: got %v; want an error naming it", err)
	}
	bad := icsCalendar(path)
	bad.TimeZone = "Mars/Olympus"
	if _, err := src.Fetch(context.Background(), Request{Calendar: bad, From: from, To: to}); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("a calendar with a bad zone: got %v; want an error naming it", err)
	}
}

// planRules decides from the registrations an event has.
func TestPlanRules(t *testing.T) {
	weekly := compiledRule{Rule: store.Rule{ID: 1, UserID: 10}, re: mustRegexp(t, "(?i)weekly")}
	review := compiledRule{Rule: store.Rule{ID: 2, UserID: 20}, re: mustRegexp(t, "review")}
	ev := func(id int64, title string) store.Event { return store.Event{ID: id, Title: title} }
	reg := func(id, user, event, rule int64, status store.RegistrationStatus, unmatched bool) store.EventRegistration {
		origin := store.OriginManual
		if rule != 0 {
			origin = "rule:" + itoa(rule)
		}
		return store.EventRegistration{ID: id, UserID: user, EventID: event, RuleID: rule, Origin: origin, Status: status, Unmatched: unmatched}
	}
	tests := []struct {
		name                  string
		events                []store.Event
		regs                  []store.EventRegistration
		create, revive, unmat string
	}{
		{"new matches", []store.Event{ev(100, "Weekly review"), ev(101, "Weekly call"), ev(102, "Lunch")}, nil, "1/100 2/100 1/101", "", ""},
		{"made already", []store.Event{ev(100, "Weekly")}, []store.EventRegistration{reg(5, 10, 100, 1, store.RegistrationActive, false)}, "", "", ""},
		{"cancelled by hand", []store.Event{ev(100, "Weekly")}, []store.EventRegistration{reg(5, 10, 100, 1, store.RegistrationCancelled, false)}, "", "", ""},
		{"registered by hand", []store.Event{ev(100, "Weekly")}, []store.EventRegistration{reg(5, 10, 100, 0, store.RegistrationCancelled, false)}, "", "", ""},
		{"another's registration by hand", []store.Event{ev(100, "Weekly")}, []store.EventRegistration{reg(5, 20, 100, 0, store.RegistrationActive, false)}, "1/100", "", ""},
		{"renamed away", []store.Event{ev(100, "Lunch")}, []store.EventRegistration{reg(5, 10, 100, 1, store.RegistrationActive, false)}, "", "", "5"},
		{"renamed back", []store.Event{ev(100, "Weekly")}, []store.EventRegistration{reg(5, 10, 100, 1, store.RegistrationCancelled, true)}, "", "5", ""},
		{"a paused rule's registration", []store.Event{ev(100, "Lunch")}, []store.EventRegistration{reg(5, 30, 100, 3, store.RegistrationActive, false)}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := planRules([]compiledRule{weekly, review}, tt.events, tt.regs)
			var create, revive, unmatch []string
			for _, m := range c.Create {
				create = append(create, itoa(m.Rule.ID)+"/"+itoa(m.Event.ID))
			}
			for _, id := range c.Revive {
				revive = append(revive, itoa(id))
			}
			for _, id := range c.Unmatch {
				unmatch = append(unmatch, itoa(id))
			}
			if got := strings.Join(create, " "); got != tt.create {
				t.Errorf("create: got %q; want %q", got, tt.create)
			}
			if got := strings.Join(revive, " "); got != tt.revive {
				t.Errorf("revive: got %q; want %q", got, tt.revive)
			}
			if got := strings.Join(unmatch, " "); got != tt.unmat {
				t.Errorf("unmatch: got %q; want %q", got, tt.unmat)
			}
		})
	}
}

// A sync whose lock is taken over (its lease ran out) stops.
func TestHoldLockStopsWhenLost(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &clock{t: syncStart}
		s.SetClock(c.now)
		cal, err := s.CreateCalendar(ctx, store.Calendar{Name: "indico", Kind: store.CalendarICS, Source: "/x.ics", TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		const ttl = 60 * time.Millisecond
		lock, err := s.LockCalendar(ctx, cal.ID, "us", ttl)
		if err != nil {
			t.Fatal(err)
		}
		held, stop := holdLock(ctx, lock, ttl)
		defer stop()
		c.set(syncStart.Add(time.Second)) // our lease has run out: another process takes over
		if _, err := s.LockCalendar(ctx, cal.ID, "them", time.Minute); err != nil {
			t.Fatal(err)
		}
		select {
		case <-held.Done():
			if cause := context.Cause(held); !errors.Is(cause, store.ErrCalendarBusy) {
				t.Errorf("got cause %v; want ErrCalendarBusy", cause)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the context was not cancelled when the lock was lost")
		}
	})
}

// The configuration's defaults are the issue's: 90 days ahead, half the
// events at most, 24 hours of notices.
func TestOptionsFromConfig(t *testing.T) {
	got := OptionsFromConfig(config.Default().Calsync).withDefaults()
	if got.Horizon != 90*24*time.Hour || got.MaxVanishShare != 0.5 || got.NoticeWindow != 24*time.Hour ||
		got.Lookback != 24*time.Hour || got.FullSyncInterval != 24*time.Hour {
		t.Errorf("got %+v; want the defaults of the issue", got)
	}
	if got.AllDayAt == nil || *got.AllDayAt != schedule.DefaultAllDayAt {
		t.Errorf("all-day reminders: got %v; want 09:00 the day before", got.AllDayAt)
	}
	bad := config.Default()
	bad.Calsync.MaxVanishShare = 1.5
	bad.Calsync.Horizon = time.Minute
	bad.Calsync.HTTPTimeout = 0
	bad.Calsync.GoogleAPIURL = "ftp://example.org"
	err := bad.Validate()
	for _, key := range []string{"calsync.max_vanish_share", "calsync.horizon", "calsync.http_timeout", "calsync.google_api_url"} {
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("got %v; want a problem with %s", err, key)
		}
	}
}

func mustRegexp(t *testing.T, pattern string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
