package calsync

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync/calsynctest"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"
)

// The safety guard: when too many upcoming events vanish at once, nothing
// changes and the calendar says why; --force accepts it.
func TestSyncSafetyGuard(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(8)))
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		e.sync(RunOptions{})
		before := e.snapshot()

		e.feed.set(feed(telecon(3))) // 5 of 8 upcoming occurrences gone
		rep := e.syncer.Sync(e.ctx, e.cal, RunOptions{})
		var guard *GuardError
		if !errors.As(rep.Err, &guard) || guard.Vanished != 5 || guard.Upcoming != 8 {
			t.Fatalf("got %v; want the guard refusing 5 of 8", rep.Err)
		}
		if !strings.Contains(rep.Err.Error(), "--calendar indico --force") {
			t.Errorf("the guard's message %q does not say how to go on", rep.Err)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("the refused sync changed the database:\nbefore\n%s\nafter\n%s", before, after)
		}
		cal, err := s.CalendarByID(e.ctx, e.cal.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cal.LastError, "refusing to cancel 5 of 8") {
			t.Errorf("calendar last error: got %q; want the guard's reason", cal.LastError)
		}

		rep = e.sync(RunOptions{Force: true})
		if rep.Cancelled != 5 || rep.Vanished != 5 {
			t.Errorf("forced: got %+v; want 5 cancelled", rep)
		}
		if cal, _ := s.CalendarByID(e.ctx, e.cal.ID); cal.LastError != "" {
			t.Errorf("after a good sync the last error is %q; want none", cal.LastError)
		}
	})
}

// A fetch that fails, times out or returns something unparseable changes
// nothing and is recorded on the calendar.
func TestSyncFailedFetchChangesNothing(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(f *feedServer)
		wantErr string
	}{
		{"server error", func(f *feedServer) { f.fail(http.StatusServiceUnavailable) }, "503 Service Unavailable"},
		{"not found", func(f *feedServer) { f.fail(http.StatusNotFound) }, "404 Not Found"},
		{"timeout", func(f *feedServer) { f.mu.Lock(); f.stall = 5 * time.Second; f.mu.Unlock() }, "Client.Timeout"},
		{"truncated", func(f *feedServer) { b := feed(telecon(8)); f.set(b[:len(b)*2/3]) }, "truncated"},
		{"an HTML page", func(f *feedServer) { f.set([]byte("<html><body>Maintenance</body></html>")) }, "not an iCalendar feed"},
		{"empty feed", func(f *feedServer) { f.set(feed()) }, "refusing to cancel 8 of 8"},
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(8)))
		e.syncer.SourceFor = func(ctx context.Context, cal store.Calendar) (Source, error) {
			return &ICS{Client: &http.Client{Timeout: 200 * time.Millisecond}, Retry: fastRetry}, nil
		}
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		e.sync(RunOptions{})
		before := e.snapshot()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.feed.set(feed(telecon(8)))
				e.feed.fail(0)
				e.feed.mu.Lock()
				e.feed.stall = 0
				e.feed.mu.Unlock()
				tt.break_(e.feed)
				rep := e.syncer.Sync(e.ctx, e.cal, RunOptions{Full: true})
				if rep.Err == nil || !strings.Contains(rep.Err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want one containing %q", rep.Err, tt.wantErr)
				}
				if strings.Contains(rep.Err.Error(), "s3cret") {
					t.Errorf("the error shows the feed's signature: %v", rep.Err)
				}
				if after := e.snapshot(); after != before {
					t.Errorf("a failed fetch changed the database:\nbefore\n%s\nafter\n%s", before, after)
				}
				cal, err := s.CalendarByID(e.ctx, e.cal.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(cal.LastError, tt.wantErr) || !cal.LastSyncedAt.Equal(syncStart) {
					t.Errorf("calendar: got last error %q, last sync %s; want the error, the last good sync kept", cal.LastError, cal.LastSyncedAt)
				}
			})
		}
	})
}

// Two syncs never run one calendar at once.
func TestSyncLock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(4)))
		e.syncer.Options.LockTTL = time.Minute
		release := make(chan struct{})
		e.feed.mu.Lock()
		e.feed.block = release
		e.feed.mu.Unlock()

		first := make(chan Report)
		go func() { first <- e.syncer.Sync(e.ctx, e.cal, RunOptions{}) }()
		// Wait until the first sync holds the lock and waits on the feed.
		for deadline := time.Now().Add(5 * time.Second); ; {
			e.feed.mu.Lock()
			n := e.feed.requests
			e.feed.mu.Unlock()
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the first sync never fetched the feed")
			}
			time.Sleep(5 * time.Millisecond)
		}
		second := e.syncer.Sync(e.ctx, e.cal, RunOptions{})
		if !second.Busy || !errors.Is(second.Err, store.ErrCalendarBusy) {
			t.Errorf("second sync: got busy=%t err=%v; want busy", second.Busy, second.Err)
		}
		if !strings.Contains(second.String(), "skipped") {
			t.Errorf("second sync's line %q does not say it skipped", second.String())
		}
		close(release)
		if rep := <-first; rep.Err != nil || rep.New != 4 {
			t.Errorf("first sync: got %+v; want 4 new events", rep)
		}
		e.feed.mu.Lock()
		e.feed.block = nil
		e.feed.mu.Unlock()
		if cal, _ := s.CalendarByID(e.ctx, e.cal.ID); strings.Contains(cal.LastError, "busy") || cal.LastError != "" {
			t.Errorf("a skipped sync recorded %q on the calendar; want nothing", cal.LastError)
		}

		// A process that died holding the lock: after its lease, the next sync goes ahead.
		if _, err := s.LockCalendar(e.ctx, e.cal.ID, "crashed", time.Minute); err != nil {
			t.Fatal(err)
		}
		if rep := e.syncer.Sync(e.ctx, e.cal, RunOptions{}); !rep.Busy {
			t.Errorf("with the lock held: got %+v; want busy", rep)
		}
		e.clock.set(syncStart.Add(2 * time.Minute))
		if rep := e.syncer.Sync(e.ctx, e.cal, RunOptions{}); rep.Err != nil {
			t.Errorf("after the lease ran out: got %v; want a sync", rep.Err)
		}
	})
}

// A dry run reports what would change and changes nothing.
func TestSyncDryRun(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(4)))
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		before := e.snapshot()
		rep := e.sync(RunOptions{DryRun: true})
		if rep.New != 4 || rep.Created != 4 || !strings.Contains(rep.String(), "(dry run)") {
			t.Errorf("dry run: got %+v %q; want 4 new, 4 registrations, said to be a dry run", rep, rep.String())
		}
		if after := e.snapshot(); after != before {
			t.Errorf("a dry run changed the database:\n%s", after)
		}
		if cal, _ := s.CalendarByID(e.ctx, e.cal.ID); !cal.LastSyncedAt.IsZero() || cal.ETag != "" {
			t.Errorf("a dry run recorded a sync: %+v", cal)
		}
		e.sync(RunOptions{})
		e.feed.set(feed(telecon(4, "EXDATE;TZID=Europe/Zurich:20261208T160000")))
		rep = e.sync(RunOptions{DryRun: true})
		if rep.Cancelled != 1 || rep.Vanished != 1 || rep.Created != 0 {
			t.Errorf("dry run of a vanished event: got %+v; want 1 cancelled", rep)
		}
		if ev := e.event(dec08); ev.Status != store.EventConfirmed {
			t.Errorf("a dry run cancelled %s", dec08)
		}
	})
}

// A Google calendar end to end: full sync, incremental changes, deleted
// occurrences, a stale token; an event moved beyond the horizon is seen
// as moved, not gone.
func TestSyncGoogle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fake := calsynctest.NewGoogleServer()
		defer fake.Close()
		svc, err := calendar.NewService(ctx, option.WithEndpoint(fake.BaseURL()), option.WithoutAuthentication())
		if err != nil {
			t.Fatal(err)
		}
		g := &Google{Service: svc, Retry: fastRetry, PageSize: 3}
		e := newEnv(t, s, nil)
		if e.cal, err = s.CreateCalendar(ctx, store.Calendar{Name: "telecons", Kind: store.CalendarGoogle, Source: telecons, TimeZone: "Europe/Zurich"}); err != nil {
			t.Fatal(err)
		}
		e.syncer.SourceFor = func(context.Context, store.Calendar) (Source, error) { return g, nil }
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		weeklySeries(fake, "weekly", "Weekly telecon", 6)

		rep := e.sync(RunOptions{})
		if rep.New != 6 || rep.Created != 6 || !rep.FullRead {
			t.Fatalf("first sync: got %+v; want 6 new, 6 registrations", rep)
		}
		fake.Delete(telecons, "weekly_20261222T150000Z")
		fake.Put(telecons, calsynctest.Occurrence("weekly", "Weekly telecon", time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 8, 16, 0, 0, 0, time.UTC), time.Hour, "Europe/Zurich"))
		rep = e.sync(RunOptions{})
		if rep.FullRead || rep.Moved != 1 || rep.Cancelled != 1 || rep.Fetched != 1 {
			t.Errorf("incremental sync: got %+v; want 1 fetched, 1 moved, 1 cancelled (deleted)", rep)
		}
		if ev := e.event("weekly_20261222T150000Z"); ev.Status != store.EventCancelled {
			t.Errorf("deleted occurrence: got %s; want cancelled", ev.Status)
		}
		if rep := e.sync(RunOptions{}); rep.Fetched != 0 || rep.New+rep.Moved+rep.Cancelled != 0 {
			t.Errorf("incremental sync without changes: got %+v; want nothing", rep)
		}

		// The 29th moves to June, beyond the horizon; then the token expires.
		far := time.Date(2027, 6, 1, 8, 0, 0, 0, time.UTC)
		fake.Put(telecons, calsynctest.Occurrence("weekly", "Weekly telecon", time.Date(2026, 12, 29, 15, 0, 0, 0, time.UTC),
			far, time.Hour, "Europe/Zurich"))
		fake.ExpireSyncTokens(telecons)
		rep = e.sync(RunOptions{})
		if !rep.FullRead || rep.Moved != 1 || rep.Cancelled != 0 || rep.Vanished != 0 {
			t.Errorf("after 410: got %+v; want a full read, the far move seen as a move", rep)
		}
		if ev := e.event("weekly_20261229T150000Z"); ev.Status != store.EventConfirmed || !ev.StartAt.Equal(far) {
			t.Errorf("moved beyond the horizon: got %s; want confirmed at %s", brief(ev), far)
		}
		// Gone for good: cancelled.
		fake.Purge(telecons, "weekly_20261215T150000Z")
		rep = e.sync(RunOptions{Full: true})
		if rep.Cancelled != 1 || rep.Vanished != 1 {
			t.Errorf("purged: got %+v; want it cancelled", rep)
		}
	})
}
