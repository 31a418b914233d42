package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// movableClock is a store clock that tests move by hand.
type movableClock struct{ t time.Time }

func (c *movableClock) now() time.Time { return c.t }

// atMovableNow sets s's clock to testNow and returns the clock to move it.
func atMovableNow(s *store.Store) *movableClock {
	c := &movableClock{t: testNow}
	s.SetClock(c.now)
	return c
}

// wantFieldError checks that err is, or joins, a FieldError for field.
func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want a FieldError for %q", field)
	}
	if !hasFieldError(err, field) {
		t.Fatalf("got error %q; want a FieldError for %q", err, field)
	}
}

func hasFieldError(err error, field string) bool {
	var fe *store.FieldError
	if errors.As(err, &fe) && fe.Field == field {
		return true
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if hasFieldError(e, field) {
				return true
			}
		}
	}
	return false
}

// wantNotFound checks that err is ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: got error %v; want ErrNotFound", what, err)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func mkCalendar(t *testing.T, s *store.Store, name string) store.Calendar {
	t.Helper()
	c, err := s.CreateCalendar(context.Background(), store.Calendar{
		Name: name, Kind: store.CalendarICS, Source: "https://indico.example.org/category/1/events.ics", TimeZone: "Europe/Zurich",
	})
	if err != nil {
		t.Fatalf("CreateCalendar(%s): %v", name, err)
	}
	return c
}

func countCalendars(t *testing.T, s *store.Store) int {
	t.Helper()
	cals, err := s.ListCalendars(context.Background())
	if err != nil {
		t.Fatalf("ListCalendars: %v", err)
	}
	return len(cals)
}

func sameCalendar(t *testing.T, what string, got, want store.Calendar) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Kind != want.Kind || got.Source != want.Source ||
		got.TimeZone != want.TimeZone || got.SyncToken != want.SyncToken || got.ETag != want.ETag ||
		got.LastModified != want.LastModified || got.LastError != want.LastError ||
		!got.LastSyncedAt.Equal(want.LastSyncedAt) || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s: got %+v; want %+v", what, got, want)
	}
}

func TestCalendarRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		tests := []struct {
			in   store.Calendar
			want store.Calendar // ID, CreatedAt, UpdatedAt filled in below
		}{
			{
				in:   store.Calendar{Name: "  Teleconferences ", Kind: store.CalendarICS, Source: " https://indico.example.org/export/categ/72.ics?from=-7d ", TimeZone: "Europe/Zurich"},
				want: store.Calendar{Name: "Teleconferences", Kind: store.CalendarICS, Source: "https://indico.example.org/export/categ/72.ics?from=-7d", TimeZone: "Europe/Zurich"},
			},
			{
				in:   store.Calendar{Name: "Collaboration meetings", Kind: store.CalendarGoogle, Source: "c_0a1b2c3d@group.calendar.google.com", TimeZone: "Asia/Tokyo"},
				want: store.Calendar{Name: "Collaboration meetings", Kind: store.CalendarGoogle, Source: "c_0a1b2c3d@group.calendar.google.com", TimeZone: "Asia/Tokyo"},
			},
			{
				in:   store.Calendar{Name: "Local file", Kind: store.CalendarICS, Source: "/srv/pfsnotify/demo.ics"},
				want: store.Calendar{Name: "Local file", Kind: store.CalendarICS, Source: "/srv/pfsnotify/demo.ics", TimeZone: ""},
			},
			{
				// sync state given to CreateCalendar is ignored: a new calendar was never synced
				in: store.Calendar{Name: "Primary", Kind: store.CalendarGoogle, Source: "primary", TimeZone: "America/Chicago",
					SyncToken: "tok", ETag: `"e"`, LastModified: "x", LastError: "boom", LastSyncedAt: testNow},
				want: store.Calendar{Name: "Primary", Kind: store.CalendarGoogle, Source: "primary", TimeZone: "America/Chicago"},
			},
		}
		for _, tt := range tests {
			got, err := s.CreateCalendar(ctx, tt.in)
			if err != nil {
				t.Fatalf("CreateCalendar(%s): %v", tt.in.Name, err)
			}
			want := tt.want
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testNow, testNow
			if got.ID == 0 {
				t.Errorf("CreateCalendar(%s): got id 0; want one", tt.in.Name)
			}
			sameCalendar(t, "CreateCalendar", got, want)
			byID, err := s.CalendarByID(ctx, got.ID)
			if err != nil {
				t.Fatalf("CalendarByID: %v", err)
			}
			sameCalendar(t, "CalendarByID", byID, want)
			byName, err := s.CalendarByName(ctx, want.Name)
			if err != nil {
				t.Fatalf("CalendarByName: %v", err)
			}
			sameCalendar(t, "CalendarByName", byName, want)
			for _, ref := range []string{want.Name, " " + want.Name, itoa(got.ID), "#" + itoa(got.ID)} {
				byRef, err := s.CalendarByRef(ctx, ref)
				if err != nil {
					t.Fatalf("CalendarByRef(%q): %v", ref, err)
				}
				sameCalendar(t, "CalendarByRef("+ref+")", byRef, want)
			}
		}
		list, err := s.ListCalendars(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		if got, want := strings.Join(names, "|"), "Collaboration meetings|Local file|Primary|Teleconferences"; got != want {
			t.Errorf("ListCalendars: got %s; want %s", got, want)
		}
	})
}

func TestCalendarInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		good := store.Calendar{Name: "Teleconferences", Kind: store.CalendarICS, Source: "https://example.org/a.ics", TimeZone: "UTC"}
		tests := []struct {
			name   string
			change func(c *store.Calendar)
			field  string
		}{
			{"empty name", func(c *store.Calendar) { c.Name = "  " }, "name"},
			{"long name", func(c *store.Calendar) { c.Name = strings.Repeat("é", 129) }, "name"},
			{"two-line name", func(c *store.Calendar) { c.Name = "Tele\nconferences" }, "name"},
			{"numeric name", func(c *store.Calendar) { c.Name = "2026" }, "name"},
			{"numeric name with #", func(c *store.Calendar) { c.Name = "#12" }, "name"},
			{"unknown kind", func(c *store.Calendar) { c.Kind = "caldav" }, "kind"},
			{"empty kind", func(c *store.Calendar) { c.Kind = "" }, "kind"},
			{"empty ics source", func(c *store.Calendar) { c.Source = "" }, "source"},
			{"relative path", func(c *store.Calendar) { c.Source = "calendars/a.ics" }, "source"},
			{"ftp URL", func(c *store.Calendar) { c.Source = "ftp://example.org/a.ics" }, "source"},
			{"URL without host", func(c *store.Calendar) { c.Source = "https:///a.ics" }, "source"},
			{"long URL", func(c *store.Calendar) { c.Source = "https://example.org/" + strings.Repeat("a", 2048) }, "source"},
			{"google id with space", func(c *store.Calendar) { c.Kind, c.Source = store.CalendarGoogle, "my calendar" }, "source"},
			{"empty google id", func(c *store.Calendar) { c.Kind, c.Source = store.CalendarGoogle, "" }, "source"},
			{"unknown zone", func(c *store.Calendar) { c.TimeZone = "Europe/Pari" }, "time_zone"},
			{"local zone", func(c *store.Calendar) { c.TimeZone = "Local" }, "time_zone"},
		}
		for _, tt := range tests {
			c := good
			tt.change(&c)
			_, err := s.CreateCalendar(ctx, c)
			wantFieldError(t, err, tt.field)
			if n := countCalendars(t, s); n != 0 {
				t.Errorf("%s: got %d calendars after the error; want 0", tt.name, n)
			}
		}
		// every problem at once is reported at once
		_, err := s.CreateCalendar(ctx, store.Calendar{Name: "", Kind: "x", TimeZone: "Nowhere/Special"})
		for _, field := range []string{"name", "kind", "source", "time_zone"} {
			if !hasFieldError(err, field) {
				t.Errorf("all wrong: got %v; want a FieldError for %s", err, field)
			}
		}
	})
}

func TestCalendarDuplicateName(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mkCalendar(t, s, "Teleconferences")
		_, err := s.CreateCalendar(ctx, store.Calendar{Name: "Teleconferences", Kind: store.CalendarGoogle, Source: "primary"})
		wantFieldError(t, err, "name")
		if !strings.Contains(err.Error(), "is taken") {
			t.Errorf("got %q; want it to say the name is taken", err)
		}
		if n := countCalendars(t, s); n != 1 {
			t.Errorf("got %d calendars; want 1", n)
		}
		// names are compared exactly: another case is another name
		if _, err := s.CreateCalendar(ctx, store.Calendar{Name: "teleconferences", Kind: store.CalendarGoogle, Source: "primary"}); err != nil {
			t.Errorf("CreateCalendar(teleconferences): %v", err)
		}
	})
}

func TestCalendarNotFound(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := mkCalendar(t, s, "Teleconferences")
		_, err := s.CalendarByID(ctx, c.ID+100)
		wantNotFound(t, "CalendarByID", err)
		_, err = s.CalendarByName(ctx, "teleconferences")
		wantNotFound(t, "CalendarByName", err)
		for _, ref := range []string{"", "Nope", itoa(c.ID + 100), "#", "99999999999999999999999"} {
			_, err = s.CalendarByRef(ctx, ref)
			wantNotFound(t, "CalendarByRef("+ref+")", err)
		}
		_, err = s.RemoveCalendar(ctx, c.ID+100)
		wantNotFound(t, "RemoveCalendar", err)
		wantNotFound(t, "RecordCalendarSync", s.RecordCalendarSync(ctx, c.ID+100, store.SyncResult{SyncToken: "x"}))
		wantNotFound(t, "RecordCalendarSync error", s.RecordCalendarSync(ctx, c.ID+100, store.SyncResult{Err: "x"}))
	})
}

func TestRemoveCalendarKeepsHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		tele := mkCalendar(t, s, "Teleconferences")
		other := mkCalendar(t, s, "Reviews")
		ev := mkEvent(t, s, tele.ID, "weekly-1", "Weekly teleconference", testNow.Add(48*time.Hour))
		otherEv := mkEvent(t, s, other.ID, "review-1", "Detector review", testNow.Add(48*time.Hour))
		onTele := mkRule(t, s, alice.ID, "(?i)weekly", tele.ID)
		everywhere := mkRule(t, s, alice.ID, "(?i)review", 0)
		reg, _, _, err := s.Register(ctx, store.NewRegistration{UserID: alice.ID, EventID: ev.ID, RuleID: onTele.ID,
			Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}, CreatedBy: "calendar-sync"})
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		removed, err := s.RemoveCalendar(ctx, tele.ID)
		if err != nil {
			t.Fatalf("RemoveCalendar: %v", err)
		}
		if removed.Registrations != 1 || removed.Deliveries != 1 {
			t.Errorf("got %+v; want 1 registration and 1 delivery cancelled", removed)
		}
		_, err = s.CalendarByID(ctx, tele.ID)
		wantNotFound(t, "removed calendar", err)
		_, err = s.EventByID(ctx, ev.ID)
		wantNotFound(t, "event of the removed calendar", err)
		_, err = s.RuleByID(ctx, onTele.ID)
		wantNotFound(t, "rule on the removed calendar", err)
		kept, err := s.RegistrationByID(ctx, reg.ID)
		if err != nil || kept.Status != store.RegistrationCancelled || kept.EventID != 0 || kept.RuleID != 0 || kept.Title != "Weekly teleconference" {
			t.Errorf("registration of the removed calendar: got %+v, %v; want it kept, cancelled, unlinked", kept, err)
		}
		if ds, err := s.DeliveriesOfRegistration(ctx, reg.ID); err != nil || len(ds) != 1 || ds[0].State != store.StateCancelled || ds[0].LastError != "calendar removed" {
			t.Errorf("deliveries of the removed calendar's registration: got %+v, %v; want one, cancelled", ds, err)
		}
		if _, err := s.EventByID(ctx, otherEv.ID); err != nil {
			t.Errorf("event of another calendar: %v", err)
		}
		if _, err := s.RuleByID(ctx, everywhere.ID); err != nil {
			t.Errorf("rule on every calendar: %v", err)
		}
		_, err = s.RemoveCalendar(ctx, tele.ID)
		wantNotFound(t, "RemoveCalendar again", err)
	})
}

func TestRecordCalendarSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		c := mkCalendar(t, s, "Teleconferences")
		t1 := testNow.Add(time.Minute + 123456789*time.Nanosecond)
		t2 := testNow.Add(2 * time.Minute)
		t3 := testNow.Add(3 * time.Minute)
		steps := []struct {
			name string
			now  time.Time
			in   store.SyncResult
			want store.Calendar // sync fields and UpdatedAt
		}{
			{"first success", t1, store.SyncResult{SyncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=", ETag: `W/"abc"`, LastModified: "Sat, 21 Nov 2026 11:00:00 GMT", At: t1},
				store.Calendar{SyncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=", ETag: `W/"abc"`, LastModified: "Sat, 21 Nov 2026 11:00:00 GMT",
					LastSyncedAt: t1.Truncate(time.Microsecond), UpdatedAt: t1.Truncate(time.Microsecond)}},
			{"failure keeps the state", t2, store.SyncResult{SyncToken: "ignored", Err: "GET https://example.org/a.ics: 503 Service Unavailable", At: t2},
				store.Calendar{SyncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=", ETag: `W/"abc"`, LastModified: "Sat, 21 Nov 2026 11:00:00 GMT",
					LastSyncedAt: t1.Truncate(time.Microsecond), LastError: "GET https://example.org/a.ics: 503 Service Unavailable", UpdatedAt: t2}},
			{"the same failure again", t2, store.SyncResult{Err: "GET https://example.org/a.ics: 503 Service Unavailable", At: t2},
				store.Calendar{SyncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=", ETag: `W/"abc"`, LastModified: "Sat, 21 Nov 2026 11:00:00 GMT",
					LastSyncedAt: t1.Truncate(time.Microsecond), LastError: "GET https://example.org/a.ics: 503 Service Unavailable", UpdatedAt: t2}},
			{"success clears the error and replaces the state", t3, store.SyncResult{SyncToken: "new"},
				store.Calendar{SyncToken: "new", LastSyncedAt: t3, UpdatedAt: t3}},
			{"the same success again", t3, store.SyncResult{SyncToken: "new"},
				store.Calendar{SyncToken: "new", LastSyncedAt: t3, UpdatedAt: t3}},
			{"values too long for their columns", t3, store.SyncResult{SyncToken: strings.Repeat("t", 4000), ETag: strings.Repeat("e", 513), LastModified: strings.Repeat("m", 65)},
				store.Calendar{SyncToken: strings.Repeat("t", 4000), LastSyncedAt: t3, UpdatedAt: t3}},
			{"an error message too long", t3, store.SyncResult{Err: strings.Repeat("é", 5000)},
				store.Calendar{SyncToken: strings.Repeat("t", 4000), LastSyncedAt: t3, LastError: strings.Repeat("é", 3999) + "…", UpdatedAt: t3}},
		}
		for _, step := range steps {
			clock.t = step.now
			if err := s.RecordCalendarSync(ctx, c.ID, step.in); err != nil {
				t.Fatalf("%s: RecordCalendarSync: %v", step.name, err)
			}
			got, err := s.CalendarByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.SyncToken, want.ETag, want.LastModified = step.want.SyncToken, step.want.ETag, step.want.LastModified
			want.LastSyncedAt, want.LastError, want.UpdatedAt = step.want.LastSyncedAt, step.want.LastError, step.want.UpdatedAt
			sameCalendar(t, step.name, got, want)
		}
	})
}
