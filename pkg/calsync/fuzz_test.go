package calsync

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	calendar "google.golang.org/api/calendar/v3"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// addSeeds adds every file of testdata matching pattern to the corpus.
func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkEvents asserts what calendar-sync relies on in every event a source
// returns: it can be stored as it is (SyncEvents refuses the whole sync
// otherwise), its title is one clean line.
func checkEvents(t *testing.T, events []store.Event) {
	t.Helper()
	for _, ev := range events {
		if ev.Status == "" {
			ev.Status = store.EventConfirmed
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("event %q cannot be stored: %v\n%+v", ev.ExternalID, err, ev)
		}
		if !utf8.ValidString(ev.Title) || ev.Title == "" || cleanTitle(ev.Title) != ev.Title {
			t.Fatalf("event %q: title %q is not clean", ev.ExternalID, ev.Title)
		}
	}
}

// FuzzParseFeed feeds the ICS parser arbitrary feeds (seeded with the
// fixtures of testdata): it must return events or a *ParseError, never
// panic; parseFeedUnsafe is the parser without the recovery that
// calendar-sync runs it under, so that a panic shows here.
func FuzzParseFeed(f *testing.F) {
	addSeeds(f, "*.ics")
	from := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	zone := mustZone(f, "Europe/Zurich")
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parseFeedUnsafe(data, feedOptions{From: from, To: from.Add(90 * 24 * time.Hour), Zone: zone})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("got %T %v; want a *ParseError", err, err)
			}
			return
		}
		checkEvents(t, feed.events)
		for _, sk := range feed.skipped {
			if sk.ID == "" || sk.Problem == "" {
				t.Fatalf("a skipped event without an id or a reason: %+v", sk)
			}
		}
	})
}

// FuzzGoogleEvent feeds the conversion of the Calendar API's events
// arbitrary JSON (seeded with testdata/google): an event it accepts must
// be storable; it may refuse one with an error; it never panics.
func FuzzGoogleEvent(f *testing.F) {
	addSeeds(f, "google/*.json")
	zone := mustZone(f, "Europe/Zurich")
	f.Fuzz(func(t *testing.T, data []byte) {
		var item calendar.Event
		if err := json.Unmarshal(data, &item); err != nil {
			return
		}
		ev, ok, err := googleEvent(&item, zone)
		if err != nil || !ok {
			return
		}
		if ev.ExternalID != item.Id {
			t.Fatalf("external id %q; want the event's id %q", ev.ExternalID, item.Id)
		}
		checkEvents(t, []store.Event{ev})
	})
}
