package store_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// mkEvent stores a one-hour event in the calendar's zone.
func mkEvent(t *testing.T, s *store.Store, calendarID int64, externalID, title string, start time.Time) store.Event {
	t.Helper()
	ev, _, err := s.UpsertEvent(context.Background(), store.Event{
		CalendarID: calendarID, ExternalID: externalID, Title: title, StartAt: start, EndAt: start.Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("UpsertEvent(%s): %v", externalID, err)
	}
	return ev
}

func countEvents(t *testing.T, s *store.Store) int {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), store.EventFilter{IncludeCancelled: true})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	return len(evs)
}

func sameEvent(t *testing.T, what string, got, want store.Event) {
	t.Helper()
	if got.ID != want.ID || got.CalendarID != want.CalendarID || got.ExternalID != want.ExternalID || got.Title != want.Title ||
		got.Description != want.Description || got.Location != want.Location || got.URL != want.URL ||
		!got.StartAt.Equal(want.StartAt) || !got.EndAt.Equal(want.EndAt) || got.AllDay != want.AllDay ||
		got.TimeZone != want.TimeZone || got.Status != want.Status || !got.SourceUpdatedAt.Equal(want.SourceUpdatedAt) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

func TestUpsertEventRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		start := time.Date(2026, 12, 1, 8, 0, 0, 123456789, time.FixedZone("CET", 3600))
		tests := []struct {
			name string
			in   store.Event
			want store.Event // ID, CreatedAt, UpdatedAt filled in below
		}{
			{
				name: "every field",
				in: store.Event{CalendarID: cal.ID, ExternalID: "040000008200E00074C5B7101A82E008_20261201T070000Z", Title: "Weekly teleconference — physics coordination",
					Description: "Agenda:\n1. News\n2. AOB", Location: "Zoom 123 4567 8901 / 4-S-030", URL: "https://indico.example.org/event/42/",
					StartAt: start, EndAt: start.Add(90 * time.Minute), TimeZone: "Europe/Paris", Status: store.EventConfirmed,
					SourceUpdatedAt: testNow.Add(-time.Hour + 999*time.Nanosecond)},
				want: store.Event{CalendarID: cal.ID, ExternalID: "040000008200E00074C5B7101A82E008_20261201T070000Z", Title: "Weekly teleconference — physics coordination",
					Description: "Agenda:\n1. News\n2. AOB", Location: "Zoom 123 4567 8901 / 4-S-030", URL: "https://indico.example.org/event/42/",
					StartAt: start.Truncate(time.Microsecond), EndAt: start.Add(90 * time.Minute).Truncate(time.Microsecond), TimeZone: "Europe/Paris",
					Status: store.EventConfirmed, SourceUpdatedAt: testNow.Add(-time.Hour)},
			},
			{
				name: "defaults: the calendar's zone, confirmed",
				in:   store.Event{CalendarID: cal.ID, ExternalID: "holiday", Title: "", StartAt: testNow, EndAt: testNow.Add(24 * time.Hour), AllDay: true},
				want: store.Event{CalendarID: cal.ID, ExternalID: "holiday", StartAt: testNow, EndAt: testNow.Add(24 * time.Hour), AllDay: true,
					TimeZone: cal.TimeZone, Status: store.EventConfirmed},
			},
			{
				name: "cancelled, zero length",
				in:   store.Event{CalendarID: cal.ID, ExternalID: "gone", Title: "Cancelled meeting", StartAt: testNow, EndAt: testNow, Status: store.EventCancelled, TimeZone: "UTC"},
				want: store.Event{CalendarID: cal.ID, ExternalID: "gone", Title: "Cancelled meeting", StartAt: testNow, EndAt: testNow, Status: store.EventCancelled, TimeZone: "UTC"},
			},
		}
		for _, tt := range tests {
			got, change, err := s.UpsertEvent(ctx, tt.in)
			if err != nil {
				t.Fatalf("%s: UpsertEvent: %v", tt.name, err)
			}
			if change != store.ChangeCreated {
				t.Errorf("%s: got change %s; want created", tt.name, change)
			}
			want := tt.want
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testNow, testNow
			sameEvent(t, tt.name+": UpsertEvent", got, want)
			stored, err := s.EventByID(ctx, got.ID)
			if err != nil {
				t.Fatalf("%s: EventByID: %v", tt.name, err)
			}
			sameEvent(t, tt.name+": EventByID", stored, want)
		}
		_, err := s.EventByID(ctx, 9999)
		wantNotFound(t, "EventByID(9999)", err)
	})
}

func TestUpsertEventChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		start := testNow.Add(48 * time.Hour)
		ev := store.Event{CalendarID: cal.ID, ExternalID: "weekly@example.org", Title: "Weekly", StartAt: start, EndAt: start.Add(time.Hour), TimeZone: "Europe/Zurich"}
		first, _, err := s.UpsertEvent(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name   string
			change func(e *store.Event)
			want   store.EventChange
		}{
			{"same again", func(e *store.Event) {}, store.ChangeNone},
			{"moved", func(e *store.Event) { e.StartAt, e.EndAt = e.StartAt.Add(time.Hour), e.EndAt.Add(time.Hour) }, store.ChangeMoved | store.ChangeEdited},
			{"moved, same end", func(e *store.Event) { e.StartAt = e.StartAt.Add(-30 * time.Minute) }, store.ChangeMoved},
			{"retitled", func(e *store.Event) { e.Title = "Weekly teleconference" }, store.ChangeRetitled},
			{"moved and retitled", func(e *store.Event) { e.StartAt, e.Title = e.StartAt.Add(time.Minute), "Weekly call" }, store.ChangeMoved | store.ChangeRetitled},
			{"cancelled", func(e *store.Event) { e.Status = store.EventCancelled }, store.ChangeCancelled},
			{"still cancelled", func(e *store.Event) {}, store.ChangeNone},
			{"restored", func(e *store.Event) { e.Status = store.EventConfirmed }, store.ChangeRestored},
			{"cancelled again", func(e *store.Event) { e.Status = store.EventCancelled }, store.ChangeCancelled},
			{"restored by an empty status", func(e *store.Event) { e.Status = "" }, store.ChangeRestored},
			{"description", func(e *store.Event) { e.Description = "Agenda" }, store.ChangeEdited},
			{"location", func(e *store.Event) { e.Location = "Zoom" }, store.ChangeEdited},
			{"url", func(e *store.Event) { e.URL = "https://example.org/" }, store.ChangeEdited},
			{"all day", func(e *store.Event) { e.AllDay = true }, store.ChangeEdited},
			{"zone", func(e *store.Event) { e.TimeZone = "Asia/Tokyo" }, store.ChangeEdited},
			{"source time", func(e *store.Event) { e.SourceUpdatedAt = testNow }, store.ChangeEdited},
			{"source time, less than a microsecond later", func(e *store.Event) { e.SourceUpdatedAt = testNow.Add(100 * time.Nanosecond) }, store.ChangeNone},
			{"start, less than a microsecond later", func(e *store.Event) { e.StartAt = e.StartAt.Add(100 * time.Nanosecond) }, store.ChangeNone},
		}
		cur, stored := ev, first
		for i, step := range steps {
			clock.t = testNow.Add(time.Duration(i+1) * time.Minute)
			step.change(&cur)
			got, change, err := s.UpsertEvent(ctx, cur)
			if err != nil {
				t.Fatalf("%s: UpsertEvent: %v", step.name, err)
			}
			if change != step.want {
				t.Errorf("%s: got change %s; want %s", step.name, change, step.want)
			}
			want := cur
			if want.Status == "" {
				want.Status = store.EventConfirmed
			}
			want.StartAt, want.SourceUpdatedAt = want.StartAt.Truncate(time.Microsecond), want.SourceUpdatedAt.Truncate(time.Microsecond)
			want.ID, want.CreatedAt, want.UpdatedAt = first.ID, first.CreatedAt, clock.t
			if change == store.ChangeNone {
				want.UpdatedAt = stored.UpdatedAt
			}
			sameEvent(t, step.name+": UpsertEvent", got, want)
			if stored, err = s.EventByID(ctx, first.ID); err != nil {
				t.Fatal(err)
			}
			sameEvent(t, step.name+": EventByID", stored, want)
		}
		if n := countEvents(t, s); n != 1 {
			t.Errorf("got %d events; want 1", n)
		}
		// the same external id in another calendar is another event
		other := mkCalendar(t, s, "Other")
		ev.CalendarID = other.ID
		if _, change, err := s.UpsertEvent(ctx, ev); err != nil || change != store.ChangeCreated {
			t.Errorf("same external id, other calendar: got %s, %v; want created", change, err)
		}
	})
}

func TestEventChangeString(t *testing.T) {
	tests := []struct {
		c    store.EventChange
		want string
	}{
		{store.ChangeNone, "unchanged"},
		{store.ChangeCreated, "created"},
		{store.ChangeMoved | store.ChangeRetitled, "moved+retitled"},
		{store.ChangeCancelled | store.ChangeEdited, "cancelled+edited"},
		{store.ChangeRestored, "restored"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
	}
	c := store.ChangeMoved | store.ChangeEdited
	if !c.Has(store.ChangeMoved) || c.Has(store.ChangeCancelled) || c.Has(store.ChangeNone) {
		t.Errorf("Has: got moved=%t cancelled=%t none=%t; want true false false", c.Has(store.ChangeMoved), c.Has(store.ChangeCancelled), c.Has(store.ChangeNone))
	}
}

func TestUpsertEventInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		start := testNow.Add(time.Hour)
		good := store.Event{CalendarID: cal.ID, ExternalID: "e1", Title: "Weekly", StartAt: start, EndAt: start.Add(time.Hour), TimeZone: "UTC"}
		tests := []struct {
			name   string
			change func(e *store.Event)
			field  string
		}{
			{"no calendar", func(e *store.Event) { e.CalendarID = cal.ID + 100 }, "calendar"},
			{"no calendar, no zone", func(e *store.Event) { e.CalendarID, e.TimeZone = 0, "" }, "calendar"},
			{"empty external id", func(e *store.Event) { e.ExternalID = "" }, "external_id"},
			{"long external id", func(e *store.Event) { e.ExternalID = strings.Repeat("x", 513) }, "external_id"},
			{"long title", func(e *store.Event) { e.Title = strings.Repeat("é", 1025) }, "title"},
			{"two-line title", func(e *store.Event) { e.Title = "Weekly\nteleconference" }, "title"},
			{"end before start", func(e *store.Event) { e.EndAt = e.StartAt.Add(-time.Second) }, "end"},
			{"no start", func(e *store.Event) { e.StartAt = time.Time{} }, "start"},
			{"no end", func(e *store.Event) { e.EndAt = time.Time{} }, "end"},
			{"unknown zone", func(e *store.Event) { e.TimeZone = "Mars/Olympus_Mons" }, "time_zone"},
			{"unknown status", func(e *store.Event) { e.Status = "tentative" }, "status"},
			{"huge description", func(e *store.Event) { e.Description = strings.Repeat("x", 65536) }, "description"},
		}
		for _, tt := range tests {
			e := good
			tt.change(&e)
			_, _, err := s.UpsertEvent(ctx, e)
			wantFieldError(t, err, tt.field)
			if n := countEvents(t, s); n != 0 {
				t.Errorf("%s: got %d events after the error; want 0", tt.name, n)
			}
		}
		// a bad update leaves the stored event as it was
		stored, _, err := s.UpsertEvent(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		bad := good
		bad.StartAt, bad.Title, bad.Status = start.Add(time.Hour), "Moved", "maybe"
		_, _, err = s.UpsertEvent(ctx, bad)
		wantFieldError(t, err, "status")
		got, err := s.EventByID(ctx, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameEvent(t, "after a bad update", got, stored)
	})
}

func TestUpsertEventReplansRegistrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "Europe/Paris")
		cal := mkCalendar(t, s, "Teleconferences")
		start := testNow.Add(48 * time.Hour)
		ev := mkEvent(t, s, cal.ID, "weekly", "Weekly", start)
		reg, _, _, err := s.Register(ctx, store.NewRegistration{UserID: alice.ID, EventID: ev.ID,
			Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}, CreatedBy: "alice"})
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		pendingStarts := func() []time.Time {
			t.Helper()
			ds, err := s.DeliveriesOfRegistration(ctx, reg.ID)
			if err != nil {
				t.Fatal(err)
			}
			var starts []time.Time
			for _, d := range ds {
				if d.State == store.StatePending {
					starts = append(starts, d.OccurrenceAt)
				}
			}
			return starts
		}
		moved := start.Add(2 * time.Hour)
		steps := []struct {
			name   string
			change func(e *store.Event)
			want   []time.Time // the occurrences of the pending deliveries
		}{
			{"retitled: nothing to replan", func(e *store.Event) { e.Title = "Weekly call" }, []time.Time{start}},
			{"moved", func(e *store.Event) { e.StartAt, e.EndAt = moved, moved.Add(time.Hour) }, []time.Time{moved}},
			{"cancelled", func(e *store.Event) { e.Status = store.EventCancelled }, nil},
			{"restored", func(e *store.Event) { e.Status = store.EventConfirmed }, []time.Time{moved}},
		}
		cur := ev
		for _, step := range steps {
			step.change(&cur)
			if _, _, err := s.UpsertEvent(ctx, cur); err != nil {
				t.Fatalf("%s: UpsertEvent: %v", step.name, err)
			}
			got := pendingStarts()
			if len(got) != len(step.want) {
				t.Fatalf("%s: got pending deliveries for %v; want for %v", step.name, got, step.want)
			}
			for i := range got {
				if !got[i].Equal(step.want[i]) {
					t.Errorf("%s: got pending deliveries for %v; want for %v", step.name, got, step.want)
				}
			}
		}
	})
}

func TestListEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		a := mkCalendar(t, s, "A")
		b := mkCalendar(t, s, "B")
		h := func(n int) time.Time { return testNow.Add(time.Duration(n) * time.Hour) }
		e3 := mkEvent(t, s, a.ID, "e3", "Weekly teleconference", h(3))
		e1 := mkEvent(t, s, a.ID, "e1", "Weekly teleconference", h(1))
		e2, _, err := s.UpsertEvent(ctx, store.Event{CalendarID: a.ID, ExternalID: "e2", Title: "Detector review",
			StartAt: h(2), EndAt: h(3), Status: store.EventCancelled})
		if err != nil {
			t.Fatal(err)
		}
		e4 := mkEvent(t, s, b.ID, "e4", "weekly meeting", h(1))
		names := map[int64]string{e1.ID: "e1", e2.ID: "e2", e3.ID: "e3", e4.ID: "e4"}
		tests := []struct {
			name   string
			filter store.EventFilter
			want   string
		}{
			{"everything confirmed", store.EventFilter{}, "e1 e4 e3"},
			{"cancelled too", store.EventFilter{IncludeCancelled: true}, "e1 e4 e2 e3"},
			{"one calendar", store.EventFilter{CalendarID: a.ID}, "e1 e3"},
			{"one calendar, cancelled too", store.EventFilter{CalendarID: a.ID, IncludeCancelled: true}, "e1 e2 e3"},
			{"from", store.EventFilter{From: h(2), IncludeCancelled: true}, "e2 e3"},
			{"to (exclusive)", store.EventFilter{To: h(3)}, "e1 e4"},
			{"from and to", store.EventFilter{From: h(1).Add(time.Nanosecond), To: h(3).Add(time.Microsecond), IncludeCancelled: true}, "e2 e3"},
			{"title", store.EventFilter{TitlePattern: regexp.MustCompile(`^Weekly`)}, "e1 e3"},
			{"title, any case", store.EventFilter{TitlePattern: regexp.MustCompile(`(?i)weekly`)}, "e1 e4 e3"},
			{"title and limit", store.EventFilter{TitlePattern: regexp.MustCompile(`(?i)weekly`), Limit: 2}, "e1 e4"},
			{"title, cancelled", store.EventFilter{TitlePattern: regexp.MustCompile(`review`), IncludeCancelled: true}, "e2"},
			{"limit", store.EventFilter{Limit: 1}, "e1"},
			{"nothing", store.EventFilter{CalendarID: b.ID, From: h(2)}, ""},
		}
		for _, tt := range tests {
			evs, err := s.ListEvents(ctx, tt.filter)
			if err != nil {
				t.Fatalf("%s: ListEvents: %v", tt.name, err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, names[e.ID])
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("%s: got %q; want %q", tt.name, g, tt.want)
			}
		}
		// a listed event has every field
		evs, err := s.ListEvents(ctx, store.EventFilter{CalendarID: b.ID})
		if err != nil || len(evs) != 1 {
			t.Fatalf("got %d events, %v; want 1", len(evs), err)
		}
		sameEvent(t, "listed", evs[0], e4)
	})
}

func TestUpsertEventConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		cal := mkCalendar(t, s, "Teleconferences")
		start := testNow.Add(time.Hour)
		const writers = 8
		for round := range 5 {
			ev := store.Event{CalendarID: cal.ID, ExternalID: "e" + itoa(int64(round)), Title: "Weekly", StartAt: start, EndAt: start.Add(time.Hour)}
			changes := make(chan store.EventChange, writers)
			errs := make(chan error, writers)
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					_, change, err := s.UpsertEvent(ctx, ev)
					changes <- change
					errs <- err
				})
			}
			wg.Wait()
			close(changes)
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("round %d: UpsertEvent: %v", round, err)
				}
			}
			created := 0
			for c := range changes {
				if c == store.ChangeCreated {
					created++
				}
			}
			if created != 1 {
				t.Errorf("round %d: got %d writers creating the event; want 1", round, created)
			}
		}
		if n := countEvents(t, s); n != 5 {
			t.Errorf("got %d events; want 5", n)
		}
	})
}
