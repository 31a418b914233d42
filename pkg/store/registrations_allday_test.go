package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A person who registers by hand for an all-day event is reminded at the
// all-day hour in their own zone, as rules are, not by the leads given.
func TestRegisterForAnAllDayEvent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.SetClock(func() time.Time { return testNow })
		cal := mkCalendar(t, s, "Holidays")
		day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) // the date, as all-day events are stored
		ev, _, err := s.UpsertEvent(ctx, store.Event{CalendarID: cal.ID, ExternalID: "review-day", Title: "Review day",
			StartAt: day, EndAt: day.Add(24 * time.Hour), AllDay: true})
		if err != nil {
			t.Fatal(err)
		}
		at, err := schedule.ParseAllDayAt("18:00 the day before")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			login, zone string
			allDayAt    *schedule.AllDayAt
			want        time.Time
		}{
			{"aki", "Asia/Tokyo", nil, time.Date(2026, 11, 24, 9, 0, 0, 0, mustZone(t, "Asia/Tokyo"))},
			{"nora", "America/New_York", &at, time.Date(2026, 11, 24, 18, 0, 0, 0, mustZone(t, "America/New_York"))},
		}
		for _, tt := range tests {
			u := addUser(t, s, tt.login, tt.zone)
			_, created, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, EventID: ev.ID,
				Channels: []schedule.Channel{"push", "email"}, Leads: []time.Duration{10 * time.Minute}, CreatedBy: "test",
				AllDayAt: tt.allDayAt})
			if err != nil {
				t.Fatalf("%s: %v", tt.login, err)
			}
			if len(created) != 2 {
				t.Fatalf("%s: got %d reminders; want one per channel", tt.login, len(created))
			}
			for _, d := range created {
				if !d.DueAt.Equal(tt.want) {
					t.Errorf("%s's %s reminder is due %s; want %s in their zone", tt.login, d.Channel, d.DueAt, tt.want)
				}
			}
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
