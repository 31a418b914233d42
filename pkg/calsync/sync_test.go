package calsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// clock is a movable clock shared by the store and the syncer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// feedServer serves one ICS feed with an ETag, answering 304 to a request
// that has it; it can fail, stall, or block until released.
type feedServer struct {
	srv *httptest.Server

	mu          sync.Mutex
	body        []byte
	status      int           // answer this instead of the feed; 0: the feed
	stall       time.Duration // wait this long before answering
	block       chan struct{} // when not nil, wait for it to close
	requests    int
	conditional int // requests with If-None-Match
	notModified int
}

func newFeedServer(t *testing.T, body []byte) *feedServer {
	f := &feedServer{body: body}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedServer) set(body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = body
}

func (f *feedServer) fail(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	body, status, stall, block := f.body, f.status, f.stall, f.block
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") != "" {
		f.conditional++
	}
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	if stall > 0 {
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		http.Error(w, "down for maintenance", status)
		return
	}
	if r.Header.Get("If-None-Match") == etag {
		f.mu.Lock()
		f.notModified++
		f.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Write(body)
}

const feedHead = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//pfsnotify//tests//EN\r\n"

func feed(events ...string) []byte {
	return []byte(feedHead + strings.Join(events, "") + "END:VCALENDAR\r\n")
}

func veventText(lines ...string) string {
	return "BEGIN:VEVENT\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
}

// telecon is a weekly series, Tuesdays 16:00 in Zurich (15:00Z), from
// 2026-12-01, with extra lines (EXDATE) and its overrides.
func telecon(count int, extra ...string) string {
	return veventText(append([]string{"UID:telecon@indico.example.org", "DTSTAMP:20261101T000000Z",
		"DTSTART;TZID=Europe/Zurich:20261201T160000", "DTEND;TZID=Europe/Zurich:20261201T170000",
		fmt.Sprintf("RRULE:FREQ=WEEKLY;COUNT=%d", count), "SUMMARY:Weekly telecon"}, extra...)...)
}

func teleconOverride(original, start string, extra ...string) string {
	return veventText(append([]string{"UID:telecon@indico.example.org", "DTSTAMP:20261101T000000Z", "SEQUENCE:1",
		"RECURRENCE-ID;TZID=Europe/Zurich:" + original, "DTSTART;TZID=Europe/Zurich:" + start, "DURATION:PT1H",
		"SUMMARY:Weekly telecon"}, extra...)...)
}

// env is a database with two users, an ICS calendar on a feed server, a
// syncer, and a clock.
type env struct {
	t      *testing.T
	ctx    context.Context
	s      *store.Store
	clock  *clock
	feed   *feedServer
	cal    store.Calendar
	alice  store.User
	bob    store.User
	syncer *Syncer
}

var syncStart = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, s *store.Store, body []byte) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), s: s, clock: &clock{t: syncStart}}
	s.SetClock(e.clock.now)
	e.feed = newFeedServer(t, body)
	var err error
	if e.alice, err = s.CreateUser(e.ctx, store.User{Login: "alice", TimeZone: "Europe/Zurich", Language: "en-GB"}); err != nil {
		t.Fatal(err)
	}
	if e.bob, err = s.CreateUser(e.ctx, store.User{Login: "bob", TimeZone: "America/Los_Angeles", Language: "en-US"}); err != nil {
		t.Fatal(err)
	}
	if e.cal, err = s.CreateCalendar(e.ctx, store.Calendar{Name: "indico", Kind: store.CalendarICS,
		Source: e.feed.srv.URL + "/category/42/events.ics?from=-7d&signature=s3cret", TimeZone: "Europe/Zurich"}); err != nil {
		t.Fatal(err)
	}
	ics := &ICS{Client: &http.Client{Timeout: 2 * time.Second}, Retry: fastRetry}
	e.syncer = &Syncer{
		Store:   s,
		Options: Options{Horizon: 90 * 24 * time.Hour, Lookback: 24 * time.Hour, MaxVanishShare: 0.5, NoticeWindow: 24 * time.Hour},
		SourceFor: func(ctx context.Context, cal store.Calendar) (Source, error) {
			return ics, nil
		},
		Now: e.clock.now,
	}
	return e
}

func (e *env) rule(u store.User, pattern string, channels []schedule.Channel, leads ...time.Duration) store.Rule {
	e.t.Helper()
	r, err := e.s.CreateRule(e.ctx, store.Rule{UserID: u.ID, Pattern: pattern, Channels: channels, Leads: leads})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// sync runs a sync that must succeed.
func (e *env) sync(run RunOptions) Report {
	e.t.Helper()
	rep := e.syncer.Sync(e.ctx, e.cal, run)
	if rep.Err != nil {
		e.t.Fatalf("sync: %v", rep.Err)
	}
	return rep
}

// snapshot writes down every event, registration and delivery, with the
// times they were last written.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	events, err := e.s.ListEvents(e.ctx, store.EventFilter{IncludeCancelled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range events {
		fmt.Fprintf(&b, "event %s\t%s\t%s\n", brief(ev), ev.UpdatedAt.Format(time.RFC3339Nano), ev.URL)
	}
	regs, err := e.s.ListRegistrations(e.ctx, store.RegistrationFilter{IncludeCancelled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range regs {
		fmt.Fprintf(&b, "registration #%d %s event #%d %s %s %q %s\n", r.ID, r.UserLogin, r.EventID, r.Origin, r.Status, r.Title,
			r.StartAt.Format(time.RFC3339))
		ds, err := e.s.DeliveriesOfRegistration(e.ctx, r.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "  %s %s %s due %s for %s %s\n", d.Kind, d.Channel, d.State, d.DueAt.Format(time.RFC3339),
				d.OccurrenceAt.Format(time.RFC3339), d.UpdatedAt.Format(time.RFC3339Nano))
		}
	}
	return b.String()
}

// regsOf returns the registrations of a user, cancelled ones too, by start.
func (e *env) regsOf(u store.User) []store.RegistrationView {
	e.t.Helper()
	regs, err := e.s.ListRegistrations(e.ctx, store.RegistrationFilter{UserID: u.ID, IncludeCancelled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return regs
}

func (e *env) event(externalID string) store.Event {
	e.t.Helper()
	got, err := e.s.EventsByExternalID(e.ctx, e.cal.ID, []string{externalID})
	if err != nil {
		e.t.Fatal(err)
	}
	ev, ok := got[externalID]
	if !ok {
		e.t.Fatalf("no event %s", externalID)
	}
	return ev
}

func (e *env) deliveries(regID int64) []store.Delivery {
	e.t.Helper()
	ds, err := e.s.DeliveriesOfRegistration(e.ctx, regID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// regFor finds u's registration for the event with externalID.
func (e *env) regFor(u store.User, externalID string) store.RegistrationView {
	e.t.Helper()
	ev := e.event(externalID)
	for _, r := range e.regsOf(u) {
		if r.EventID == ev.ID {
			return r
		}
	}
	e.t.Fatalf("%s has no registration for %s", u.Login, externalID)
	return store.RegistrationView{}
}

var pushCall = []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall}

const (
	dec01 = "telecon@indico.example.org/20261201T150000Z"
	dec08 = "telecon@indico.example.org/20261208T150000Z"
	dec15 = "telecon@indico.example.org/20261215T150000Z"
)

// A sync brings events in and applies rules; running it again, with the
// feed unchanged (a 304) or read again in full, changes nothing.
func TestSyncIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(8)))
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		e.rule(e.bob, "^Collaboration meeting", pushCall, time.Hour)

		first := e.sync(RunOptions{})
		if first.New != 8 || first.Created != 8 || first.Reminders != 16 || !first.FullRead || first.Fetched != 8 {
			t.Errorf("first sync: got %+v; want 8 new events, 8 registrations, 16 reminders, a full read", first)
		}
		if got := len(e.regsOf(e.bob)); got != 0 {
			t.Errorf("bob's rule matches nothing: got %d registrations; want 0", got)
		}
		r := e.regFor(e.alice, dec01)
		if r.Origin != fmt.Sprintf("rule:%d", r.RuleID) || r.Status != store.RegistrationActive || r.Title != "Weekly telecon" ||
			r.Pending != 2 || r.TimeZone != "Europe/Zurich" {
			t.Errorf("alice's registration: got %+v; want active, from her rule, 2 reminders pending", r)
		}
		before := e.snapshot()

		again := e.sync(RunOptions{})
		if !again.NotModified || again.Created != 0 {
			t.Errorf("second sync: got %+v; want not modified, nothing created", again)
		}
		if e.feed.notModified != 1 {
			t.Errorf("second sync: the server answered 304 %d times; want 1", e.feed.notModified)
		}
		full := e.sync(RunOptions{Full: true})
		if full.NotModified || full.Fetched != 8 || full.New+full.Moved+full.Cancelled+full.Retitled+full.Edited != 0 || full.Created != 0 {
			t.Errorf("full sync of the same feed: got %+v; want 8 fetched, no change", full)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("syncing the same feed again changed the database:\nbefore\n%s\nafter\n%s", before, after)
		}
		cal, err := s.CalendarByID(e.ctx, e.cal.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cal.LastError != "" || !cal.LastSyncedAt.Equal(syncStart) || cal.ETag == "" {
			t.Errorf("calendar after syncs: got last error %q, last sync %s, etag %q; want none, now, an etag", cal.LastError, cal.LastSyncedAt, cal.ETag)
		}
	})
}

// Moves move the pending reminders, cancellations cancel them, an
// occurrence missing from the feed counts as cancelled, and members are
// told of changes within the next 24 hours.
func TestSyncMovesAndCancels(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(8)))
		rule := e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		e.sync(RunOptions{})

		e.clock.set(time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)) // the 1st is 21 hours away
		e.feed.set(feed(
			telecon(8, "EXDATE;TZID=Europe/Zurich:20261215T160000"),
			teleconOverride("20261201T160000", "20261201T180000"),
			teleconOverride("20261208T160000", "20261208T160000", "STATUS:CANCELLED"),
		))
		rep := e.sync(RunOptions{})
		if rep.Moved != 1 || rep.Cancelled != 2 || rep.Vanished != 1 || rep.New != 0 || rep.Notices != 2 || rep.Followed != 3 {
			t.Errorf("got %+v; want 1 moved, 2 cancelled (1 vanished), 2 notices, 3 registrations followed", rep)
		}

		moved := e.regFor(e.alice, dec01)
		wantStart := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
		if !moved.StartAt.Equal(wantStart) {
			t.Errorf("moved registration starts %s; want %s", moved.StartAt, wantStart)
		}
		var reminders, cancelled, notices []string
		for _, d := range e.deliveries(moved.ID) {
			line := fmt.Sprintf("%s %s %s", d.Kind, d.Channel, d.DueAt.Format("01-02T15:04Z"))
			switch {
			case d.Kind == store.KindMoved:
				notices = append(notices, line)
				if d.State != store.StatePending || !d.OccurrenceAt.Equal(wantStart) || d.Lead != 0 {
					t.Errorf("notice %s: got state %s occurrence %s lead %s; want pending, for the new start, lead 0", line, d.State, d.OccurrenceAt, d.Lead)
				}
			case d.State == store.StatePending:
				reminders = append(reminders, line)
			case d.State == store.StateCancelled:
				cancelled = append(cancelled, line)
			}
		}
		if got, want := strings.Join(reminders, ", "), "reminder push 12-01T16:50Z, reminder call 12-01T16:50Z"; got != want {
			t.Errorf("pending reminders: got %s; want %s", got, want)
		}
		if got, want := strings.Join(cancelled, ", "), "reminder push 12-01T14:50Z, reminder call 12-01T14:50Z"; got != want {
			t.Errorf("cancelled reminders: got %s; want %s", got, want)
		}
		if got, want := strings.Join(notices, ", "), "moved push 11-30T18:00Z, moved call 11-30T18:00Z"; got != want {
			t.Errorf("notices: got %s; want %s", got, want)
		}
		for _, id := range []string{dec08, dec15} {
			if ev := e.event(id); ev.Status != store.EventCancelled {
				t.Errorf("event %s: got %s; want cancelled", id, ev.Status)
			}
			r := e.regFor(e.alice, id)
			if r.Pending != 0 {
				t.Errorf("registration for the cancelled %s: got %d pending; want 0", id, r.Pending)
			}
			for _, d := range e.deliveries(r.ID) {
				if d.Kind != store.KindReminder {
					t.Errorf("cancelled %s, 8 days ahead: got a %s delivery; want no notice beyond 24 hours", id, d.Kind)
				}
			}
		}

		// The rule's notices turned off: a second move tells nobody.
		if err := s.SetRuleNotices(e.ctx, rule.ID, store.RuleNotices{}); err != nil {
			t.Fatal(err)
		}
		e.feed.set(feed(
			telecon(8, "EXDATE;TZID=Europe/Zurich:20261215T160000"),
			teleconOverride("20261201T160000", "20261201T190000"),
			teleconOverride("20261208T160000", "20261208T160000", "STATUS:CANCELLED"),
		))
		rep = e.sync(RunOptions{})
		if rep.Moved != 1 || rep.Notices != 0 {
			t.Errorf("second move with notices off: got %+v; want 1 moved, no notice", rep)
		}
		// Cancelled again, then back: the reminders come back.
		e.feed.set(feed(
			telecon(8),
			teleconOverride("20261201T160000", "20261201T190000"),
		))
		rep = e.sync(RunOptions{})
		if rep.Restored != 2 {
			t.Errorf("restoring: got %+v; want 2 restored", rep)
		}
		if r := e.regFor(e.alice, dec08); r.Pending != 2 {
			t.Errorf("restored %s: got %d pending; want 2", dec08, r.Pending)
		}
	})
}
