package calsync

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// RFC 5545 local times: all-day events are reminded of at
// calsync.all_day_at in each member's zone; floating times are read in the
// calendar's zone (--tz, else the feed's X-WR-TIMEZONE), else in each
// member's. Members in Tokyo and New York.
func TestSyncLocalTimes(t *testing.T) {
	allDay := func(date string) string {
		return veventText("UID:week@x", "DTSTAMP:20261101T000000Z", "DTSTART;VALUE=DATE:"+date, "SUMMARY:Collaboration week")
	}
	floatingTelecon := veventText("UID:telecon@x", "DTSTAMP:20261101T000000Z", "DTSTART:20261205T090000", "DURATION:PT1H",
		"SUMMARY:Floating telecon")
	tests := []struct {
		name, calZone, xwr string
		// When the floating 09:00 on 5 December starts, in UTC, for the
		// member in Tokyo and the one in New York.
		tokyoStart, nyStart string
	}{
		{name: "no zone anywhere: each member's", tokyoStart: "2026-12-05T00:00:00Z", nyStart: "2026-12-05T14:00:00Z"},
		{name: "the feed's X-WR-TIMEZONE", xwr: "Europe/Berlin", tokyoStart: "2026-12-05T08:00:00Z", nyStart: "2026-12-05T08:00:00Z"},
		{name: "the calendar's --tz over the feed's", calZone: "America/Chicago", xwr: "Europe/Berlin",
			tokyoStart: "2026-12-05T15:00:00Z", nyStart: "2026-12-05T15:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				c := &clock{t: syncStart}
				s.SetClock(c.now)
				head := feedHead
				if tt.xwr != "" {
					head += "X-WR-TIMEZONE:" + tt.xwr + "\r\n"
				}
				body := func(events ...string) []byte {
					b := head
					for _, e := range events {
						b += e
					}
					return []byte(b + "END:VCALENDAR\r\n")
				}
				srv := newFeedServer(t, body(allDay("20261203"), floatingTelecon))
				cal, err := s.CreateCalendar(ctx, store.Calendar{Name: "indico", Kind: store.CalendarICS, Source: srv.srv.URL, TimeZone: tt.calZone})
				if err != nil {
					t.Fatal(err)
				}
				users := map[string]store.User{}
				for _, zone := range []string{"Asia/Tokyo", "America/New_York"} {
					u, err := s.CreateUser(ctx, store.User{Login: map[string]string{"Asia/Tokyo": "tokyo", "America/New_York": "newyork"}[zone], TimeZone: zone, Language: "en"})
					if err != nil {
						t.Fatal(err)
					}
					users[zone] = u
					if _, err := s.CreateRule(ctx, store.Rule{UserID: u.ID, Pattern: "Collaboration|telecon",
						Channels: []schedule.Channel{schedule.ChannelPush, schedule.ChannelEmail}, Leads: []time.Duration{10 * time.Minute, time.Hour}}); err != nil {
						t.Fatal(err)
					}
				}
				ics := &ICS{Client: &http.Client{Timeout: 2 * time.Second}, Retry: fastRetry}
				y := &Syncer{Store: s, Now: c.now, Options: Options{Horizon: 90 * 24 * time.Hour},
					SourceFor: func(context.Context, store.Calendar) (Source, error) { return ics, nil }}
				sync := func() {
					t.Helper()
					if rep := y.Sync(ctx, cal, RunOptions{}); rep.Err != nil {
						t.Fatal(rep.Err)
					}
				}
				sync()
				// reminders returns the pending reminders of zone's member for title: start, then each due time.
				reminders := func(zone, title string) (time.Time, []string) {
					t.Helper()
					regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{UserID: users[zone].ID})
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range regs {
						if r.Title != title {
							continue
						}
						ds, err := s.DeliveriesOfRegistration(ctx, r.ID)
						if err != nil {
							t.Fatal(err)
						}
						var due []string
						for _, d := range ds {
							if d.State == store.StatePending {
								due = append(due, string(d.Channel)+" "+d.DueAt.UTC().Format(time.RFC3339))
							}
						}
						return r.StartAt, due
					}
					t.Fatalf("%s has no registration for %q", zone, title)
					return time.Time{}, nil
				}
				// 09:00 the day before, in each member's zone, one per channel, whatever the leads.
				for zone, want := range map[string]string{"Asia/Tokyo": "2026-12-02T00:00:00Z", "America/New_York": "2026-12-02T14:00:00Z"} {
					if _, due := reminders(zone, "Collaboration week"); len(due) != 2 || due[0] != "push "+want || due[1] != "email "+want {
						t.Errorf("%s: all-day reminders %v; want push and email at %s (09:00 local the day before)", zone, due, want)
					}
				}
				for zone, want := range map[string]string{"Asia/Tokyo": tt.tokyoStart, "America/New_York": tt.nyStart} {
					start, due := reminders(zone, "Floating telecon")
					if start.UTC().Format(time.RFC3339) != want || len(due) != 4 {
						t.Errorf("%s: the floating telecon starts %s with %d reminders; want %s and 4", zone, start.UTC().Format(time.RFC3339), len(due), want)
					}
				}

				// The all-day event moves a day later: the reminders follow, still local.
				srv.set(body(allDay("20261204"), floatingTelecon))
				sync()
				for zone, want := range map[string]string{"Asia/Tokyo": "2026-12-03T00:00:00Z", "America/New_York": "2026-12-03T14:00:00Z"} {
					if _, due := reminders(zone, "Collaboration week"); len(due) != 2 || due[0] != "push "+want {
						t.Errorf("%s: moved all-day reminders %v; want them at %s", zone, due, want)
					}
				}
			})
		})
	}
}

// calsync.all_day_at is read from the configuration.
func TestAllDayAtFromConfig(t *testing.T) {
	at, err := schedule.ParseAllDayAt("18:30 2 days before")
	if err != nil {
		t.Fatal(err)
	}
	due := at.Due(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), mustZone(t, "Asia/Tokyo"))
	if want := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC); !due.Equal(want) {
		t.Errorf("18:30 2 days before 3 December in Tokyo: got %s; want %s", due, want)
	}
}
