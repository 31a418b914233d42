package calsync

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := schedule.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// brief writes an event on one line: id, start and end in UTC, flags, title.
func brief(e store.Event) string {
	var flags []string
	if e.AllDay {
		flags = append(flags, "all-day")
	}
	if e.Status == store.EventCancelled {
		flags = append(flags, "cancelled")
	}
	return e.ExternalID + " " + e.StartAt.UTC().Format("2006-01-02T15:04Z") + ".." + e.EndAt.UTC().Format("2006-01-02T15:04Z") +
		" " + e.TimeZone + " [" + strings.Join(flags, ",") + "] " + e.Title
}

func briefs(events []store.Event) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, brief(e))
	}
	slices.Sort(out)
	return out
}

func TestParseFeedFixtures(t *testing.T) {
	tests := []struct {
		file     string
		zone     string
		from, to string
		want     []string
	}{
		{
			file: "weekly_telecon.ics", zone: "Europe/Zurich", from: "2026-11-21T12:00:00Z", to: "2027-02-19T12:00:00Z",
			want: []string{
				// EXDATE removes the 22nd and the 29th; the 8th moved to the 9th; the 15th is cancelled.
				"telecon-42@indico.example.org/20261201T150000Z 2026-12-01T15:00Z..2026-12-01T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20261208T150000Z 2026-12-09T09:00Z..2026-12-09T10:00Z Europe/Zurich [] Weekly telecon, physics coordination (moved to Wednesday)",
				"telecon-42@indico.example.org/20261215T150000Z 2026-12-15T15:00Z..2026-12-15T16:00Z Europe/Zurich [cancelled] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20270105T150000Z 2027-01-05T15:00Z..2027-01-05T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20270112T150000Z 2027-01-12T15:00Z..2027-01-12T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20270119T150000Z 2027-01-19T15:00Z..2027-01-19T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20270126T150000Z 2027-01-26T15:00Z..2027-01-26T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
				"telecon-42@indico.example.org/20270202T150000Z 2027-02-02T15:00Z..2027-02-02T16:00Z Europe/Zurich [] Weekly telecon, physics coordination",
			},
		},
		{
			file: "weekly_telecon.ics", zone: "Europe/Zurich", from: "2026-12-05T00:00:00Z", to: "2026-12-16T00:00:00Z",
			want: []string{
				"telecon-42@indico.example.org/20261208T150000Z 2026-12-09T09:00Z..2026-12-09T10:00Z Europe/Zurich [] Weekly telecon, physics coordination (moved to Wednesday)",
				"telecon-42@indico.example.org/20261215T150000Z 2026-12-15T15:00Z..2026-12-15T16:00Z Europe/Zurich [cancelled] Weekly telecon, physics coordination",
			},
		},
		{
			// Clocks spring forward on 2027-03-14 and fall back on 2026-11-01 in Chicago.
			file: "dst_chicago.ics", zone: "UTC", from: "2026-10-01T00:00:00Z", to: "2027-04-01T00:00:00Z",
			want: []string{
				"chicago-gap@fnal.example.org 2027-03-14T08:30Z..2027-03-14T09:00Z America/Chicago [] Shift change in the DST gap",
				"chicago-overlap@fnal.example.org 2026-11-01T06:30Z..2026-11-01T07:00Z America/Chicago [] Shift change in the DST overlap",
				"chicago-weekly@fnal.example.org/20270301T150000Z 2027-03-01T15:00Z..2027-03-01T16:00Z America/Chicago [] Fermilab run meeting",
				"chicago-weekly@fnal.example.org/20270308T150000Z 2027-03-08T15:00Z..2027-03-08T16:00Z America/Chicago [] Fermilab run meeting",
				"chicago-weekly@fnal.example.org/20270315T140000Z 2027-03-15T14:00Z..2027-03-15T15:00Z America/Chicago [] Fermilab run meeting",
				"chicago-weekly@fnal.example.org/20270322T140000Z 2027-03-22T14:00Z..2027-03-22T15:00Z America/Chicago [] Fermilab run meeting",
			},
		},
		{
			// A Windows zone name, and a zone known only by its VTIMEZONE;
			// clocks change in Berlin on 2026-10-25 and 2027-03-28.
			file: "dst_berlin.ics", zone: "UTC", from: "2026-10-01T00:00:00Z", to: "2027-04-30T00:00:00Z",
			want: []string{
				"berlin-daily@desy.example.org/20270326T090000Z 2027-03-26T09:00Z..2027-03-26T09:30Z Europe/Berlin [] Daily run coordination",
				"berlin-daily@desy.example.org/20270327T090000Z 2027-03-27T09:00Z..2027-03-27T09:30Z Europe/Berlin [] Daily run coordination",
				"berlin-daily@desy.example.org/20270328T080000Z 2027-03-28T08:00Z..2027-03-28T08:30Z Europe/Berlin [] Daily run coordination",
				"berlin-daily@desy.example.org/20270329T080000Z 2027-03-29T08:00Z..2027-03-29T08:30Z Europe/Berlin [] Daily run coordination",
				"hamburg-weekly@desy.example.org/20261019T080000Z 2026-10-19T08:00Z..2026-10-19T09:00Z UTC [] Hamburg group meeting",
				"hamburg-weekly@desy.example.org/20261026T090000Z 2026-10-26T09:00Z..2026-10-26T10:00Z UTC [] Hamburg group meeting",
				"hamburg-weekly@desy.example.org/20261030T140000Z 2026-10-30T14:00Z..2026-10-30T15:00Z UTC [] Hamburg group meeting",
				"hamburg-weekly@desy.example.org/20261102T090000Z 2026-11-02T09:00Z..2026-11-02T10:00Z UTC [] Hamburg group meeting",
			},
		},
		{
			file: "tokyo.ics", zone: "Europe/Zurich", from: "2026-11-21T12:00:00Z", to: "2027-02-19T12:00:00Z",
			want: []string{"kek-review@kek.example.jp 2026-12-02T00:00Z..2026-12-02T01:30Z Asia/Tokyo [] Belle II detector review"},
		},
		{
			// All-day events start at midnight in the calendar's zone.
			file: "allday.ics", zone: "Europe/Zurich", from: "2026-11-21T12:00:00Z", to: "2027-02-19T12:00:00Z",
			want: []string{
				"collab-week@example.org 2026-12-06T23:00Z..2026-12-11T23:00Z Europe/Zurich [all-day] Collaboration week",
				"deadline@example.org/20261130 2026-11-29T23:00Z..2026-11-30T23:00Z Europe/Zurich [all-day] Monthly report deadline",
				"deadline@example.org/20261231 2026-12-30T23:00Z..2026-12-31T23:00Z Europe/Zurich [all-day] Monthly report deadline",
				"deadline@example.org/20270131 2027-01-30T23:00Z..2027-01-31T23:00Z Europe/Zurich [all-day] Monthly report deadline",
			},
		},
		{
			// A floating time is in the calendar's zone; a newline in a title becomes a space.
			file: "floating.ics", zone: "America/New_York", from: "2026-11-21T12:00:00Z", to: "2027-02-19T12:00:00Z",
			want: []string{
				"floating@example.org 2026-12-03T15:00Z..2026-12-03T16:30Z America/New_York [] Coffee with the spokesperson",
				"utc@example.org 2026-12-04T17:00Z..2026-12-04T18:00Z America/New_York [] Computing meeting",
			},
		},
		{
			file: "cancelled.ics", zone: "Europe/Zurich", from: "2026-11-21T12:00:00Z", to: "2027-02-19T12:00:00Z",
			want: []string{
				"review-cancelled@example.org 2026-12-10T13:00Z..2026-12-10T15:00Z Europe/Zurich [cancelled] Detector review",
				"series-cancelled@example.org/20261202T080000Z 2026-12-02T08:00Z..2026-12-02T09:00Z Europe/Zurich [cancelled] Tutorial",
				"series-cancelled@example.org/20261203T080000Z 2026-12-03T08:00Z..2026-12-03T09:00Z Europe/Zurich [cancelled] Tutorial",
				"series-cancelled@example.org/20261204T080000Z 2026-12-04T08:00Z..2026-12-04T09:00Z Europe/Zurich [cancelled] Tutorial",
				"series-one-cancelled@example.org/20261202T100000Z 2026-12-02T10:00Z..2026-12-02T11:00Z Europe/Zurich [] Lecture",
				"series-one-cancelled@example.org/20261203T100000Z 2026-12-03T10:00Z..2026-12-03T11:00Z Europe/Zurich [cancelled] Lecture",
				"series-one-cancelled@example.org/20261204T100000Z 2026-12-04T10:00Z..2026-12-04T11:00Z Europe/Zurich [] Lecture",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.from, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			feed, err := parseFeed(data, feedOptions{From: mustTime(t, tt.from), To: mustTime(t, tt.to), Zone: mustZone(t, tt.zone)})
			events := feed.events
			if err != nil {
				t.Fatalf("parseFeed: %v", err)
			}
			if got := briefs(events); !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// An event in Tokyo, seen by a member in Los Angeles: the evening before.
func TestParseFeedTokyoSeenFromLosAngeles(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "tokyo.ics"))
	if err != nil {
		t.Fatal(err)
	}
	feed, err := parseFeed(data, feedOptions{From: mustTime(t, "2026-11-21T00:00:00Z"), To: mustTime(t, "2027-01-01T00:00:00Z"), Zone: time.UTC})
	events := feed.events
	if err != nil || len(events) != 1 {
		t.Fatalf("parseFeed: %d events, %v; want 1", len(events), err)
	}
	if got, want := schedule.FormatInZone(events[0].StartAt, mustZone(t, "America/Los_Angeles")), "2026-12-01 16:00 PST (-08:00)"; got != want {
		t.Errorf("got %s in Los Angeles; want %s", got, want)
	}
	if got, want := schedule.FormatInZone(events[0].StartAt, mustZone(t, events[0].TimeZone)), "2026-12-02 09:00 JST (+09:00)"; got != want {
		t.Errorf("got %s in the event's zone; want %s", got, want)
	}
}

func TestParseFeedErrors(t *testing.T) {
	const head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
	const tail = "END:VCALENDAR\r\n"
	event := func(lines ...string) string {
		return head + "BEGIN:VEVENT\r\nUID:x@example.org\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n" + tail
	}
	truncated, err := os.ReadFile(filepath.Join("testdata", "truncated.ics"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"truncated file", string(truncated), "truncated"},
		{"empty", "", "empty"},
		{"an HTML error page", "<!DOCTYPE html>\n<html><body>Service Unavailable</body></html>\n", `not an iCalendar feed: it starts with "<!DOCTYPE html>"`},
		{"text after the end", head + tail + "<html>\n", "after the end of the calendar"},
		{"mismatched END", head + "BEGIN:VEVENT\r\nEND:VTODO\r\n" + tail, "END:VTODO does not close"},
		{"no DTSTART", event("SUMMARY:Meeting"), `event "x@example.org" (Meeting) has no DTSTART`},
		{"bad DTSTART", event("DTSTART:2026-12-01 09:00", "SUMMARY:Meeting"), `DTSTART "2026-12-01 09:00"`},
		{"end before start", event("DTSTART:20261201T090000Z", "DTEND:20261201T080000Z"), "DTEND 20261201T080000Z is before DTSTART"},
		{"bad RRULE", event("DTSTART:20261201T090000Z", "RRULE:FREQ=FORTNIGHTLY"), `RRULE "FREQ=FORTNIGHTLY"`},
		{"bad STATUS", event("DTSTART:20261201T090000Z", "STATUS:POSTPONED"), `STATUS "POSTPONED"`},
		{"a line without a colon", event("DTSTART:20261201T090000Z", "GARBAGE"), `not a valid iCalendar feed: line 7: "GARBAGE" is not a content line`},
		// go-ical's decoder panics on these two (index out of range; a panic
		// of its own): the panic becomes the feed's error.
		{"a garbled parameter, no colon", event("DTSTART:20261201T090000Z", "0;0="), `line 7: "0;0=" is not a content line`},
		{"a garbled parameter that panics the decoder", event("DTSTART:20261201T090000Z", `X-A;P="q"junk:v`), "not a valid iCalendar feed: reading it failed (ical: unexpected character 'j'"},
		{"year 0 (panicked rrule-go; found by FuzzParseFeed)", event("DTSTART:00000101T000000Z", "RRULE:FREQ=WEEKLY;COUNT=3"), `"00000101T000000Z" is in the year 0`},
		{"a rule rrule-go cannot expand (found by FuzzParseFeed)", event("DTSTART:20261201T090000Z", "RRULE:FREQ=YEARLY;BYDAY=20SA;BYMONTH=10"), `RRULE "FREQ=YEARLY;BYDAY=20SA;BYMONTH=10" cannot be expanded`},
		{"a runaway rule", event("DTSTART:19700101T000000Z", "RRULE:FREQ=SECONDLY"), "more than 1000000 occurrences"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := parseFeed([]byte(tt.data), feedOptions{From: mustTime(t, "2026-11-21T00:00:00Z"), To: mustTime(t, "2027-02-19T00:00:00Z"), Zone: time.UTC})
			if err == nil {
				t.Fatalf("got %d events and no error; want an error containing %q", len(feed.events), tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("got %T %v; want a *ParseError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestInstantOf(t *testing.T) {
	tests := []struct {
		zone string
		wall string
		want string
	}{
		{"Europe/Berlin", "2027-03-28T01:30:00Z", "2027-03-28T00:30:00Z"},
		{"Europe/Berlin", "2027-03-28T02:30:00Z", "2027-03-28T01:30:00Z"}, // in the gap: read before it, = 03:30 CEST
		{"Europe/Berlin", "2027-03-28T03:30:00Z", "2027-03-28T01:30:00Z"},
		{"Europe/Berlin", "2026-10-25T02:30:00Z", "2026-10-25T00:30:00Z"}, // twice: the first, CEST
		{"Europe/Berlin", "2026-10-25T03:30:00Z", "2026-10-25T02:30:00Z"},
		{"America/Chicago", "2027-03-14T02:00:00Z", "2027-03-14T08:00:00Z"},
		{"America/Chicago", "2026-11-01T01:00:00Z", "2026-11-01T06:00:00Z"},
		{"America/Chicago", "2026-11-01T02:00:00Z", "2026-11-01T08:00:00Z"},
		{"Asia/Tokyo", "2026-12-02T09:00:00Z", "2026-12-02T00:00:00Z"},
		{"Australia/Lord_Howe", "2026-10-04T02:15:00Z", "2026-10-03T15:45:00Z"}, // a half-hour gap
	}
	for _, tt := range tests {
		z := ianaZone{mustZone(t, tt.zone)}
		if got := instantOf(mustTime(t, tt.wall), z); !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("%s wall %s: got %s; want %s", tt.zone, tt.wall, got.Format(time.RFC3339), tt.want)
		}
	}
}

// A zone built from a VTIMEZONE's rules agrees with the tz database.
func TestRuleZoneAgreesWithTZDatabase(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "dst_berlin.ics"))
	if err != nil {
		t.Fatal(err)
	}
	vtz := parseVTimezones(t, data)["DESY Hamburg time"]
	if vtz == nil {
		t.Fatal("the fixture lacks its VTIMEZONE")
	}
	rz, err := newRuleZone("DESY Hamburg time", vtz, mustTime(t, "2031-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	berlin := ianaZone{mustZone(t, "Europe/Berlin")}
	for at := mustTime(t, "2026-01-01T00:30:00Z"); at.Before(mustTime(t, "2030-12-31T00:00:00Z")); at = at.Add(30 * time.Minute) {
		if got, want := rz.offsetAt(at), berlin.offsetAt(at); got != want {
			t.Fatalf("offset at %s: got %d; want %d", at.Format(time.RFC3339), got, want)
		}
		wall := wallOf(at, berlin)
		if got, want := instantOf(wall, rz), instantOf(wall, berlin); !got.Equal(want) {
			t.Fatalf("wall %s: got %s; want %s", wall.Format(time.DateTime), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}

// parseVTimezones returns the VTIMEZONEs of a feed by TZID.
func parseVTimezones(t *testing.T, data []byte) map[string]*ical.Component {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*ical.Component)
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			out[c.Props.Get(ical.PropTimezoneID).Value] = c
		}
	}
	return out
}

func TestCleanTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Weekly telecon", "Weekly telecon"},
		{"  Weekly\r\n\ttelecon \n", "Weekly telecon"},
		{"Detector\x00review\x7f", "Detector review"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"", "(no title)"},
		{"\n\n", "(no title)"},
		{strings.Repeat("é", 2000), strings.Repeat("é", 1023) + "…"},
	}
	for _, tt := range tests {
		if got := cleanTitle(tt.in); got != tt.want {
			t.Errorf("cleanTitle(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}
