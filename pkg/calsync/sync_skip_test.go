package calsync

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// single is a one-off event, 10:00 on 2026-12-03 in zone, with a title.
func single(uid, zone, title string) string {
	return veventText("UID:"+uid, "DTSTAMP:20261101T000000Z", "DTSTART;TZID="+zone+":20261203T100000",
		"DURATION:PT1H", "SUMMARY:"+title)
}

// An event whose TZID names no zone (a typo) is skipped, kept as it was,
// and named; every other change of the same feed takes effect.
func TestSyncSkipsAnEventOfUnknownZone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(4), single("review@x", "Europe/Berlin", "Detector review"),
			single("rename@x", "Europe/Berlin", "Trigger meeting"), single("gone@x", "Europe/Berlin", "Trigger tutorial")))
		e.rule(e.alice, "(?i)telecon|review|trigger meeting", pushCall, 10*time.Minute)
		e.sync(RunOptions{})
		review := e.event("review@x")

		e.feed.set(feed(
			telecon(4),
			teleconOverride("20261201T160000", "20261201T180000"), // moved 2 hours
			single("review@x", "Europe/Berln", "Detector review (moved)"),
			single("rename@x", "Europe/Berlin", "Trigger meeting, new room"),
			// gone@x deleted from the feed
		))
		rep := e.sync(RunOptions{})
		if rep.Moved != 1 || rep.Retitled != 1 || rep.Cancelled != 1 || rep.Vanished != 1 {
			t.Errorf("got %+v; want 1 moved, 1 retitled, 1 cancelled (vanished)", rep)
		}
		want := `skipped 1 event, kept as they were: event "review@x" (Detector review (moved)): unknown time zone "Europe/Berln"`
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report %q; want it to contain %q", rep, want)
		}
		if got := e.event(dec01).StartAt; !got.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) {
			t.Errorf("moved occurrence starts %s; want 17:00Z", got)
		}
		if got := e.event("rename@x").Title; got != "Trigger meeting, new room" {
			t.Errorf("renamed event: title %q", got)
		}
		if got := e.event("gone@x").Status; got != store.EventCancelled {
			t.Errorf("deleted event: status %s; want cancelled", got)
		}
		if got := e.event("review@x"); got.Status != store.EventConfirmed || !got.StartAt.Equal(review.StartAt) || got.Title != review.Title {
			t.Errorf("the skipped event: got %+v; want it as it was", got)
		}
		if r := e.regFor(e.alice, "review@x"); r.Status != store.RegistrationActive || r.Pending != 2 {
			t.Errorf("registration for the skipped event: got %+v; want active with 2 reminders", r)
		}
		if r := e.regFor(e.alice, dec01); !r.StartAt.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) {
			t.Errorf("registration of the moved occurrence starts %s; want 17:00Z", r.StartAt)
		}
		lastError := func() string {
			cal, err := s.CalendarByID(e.ctx, e.cal.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !cal.LastSyncedAt.Equal(e.clock.now()) {
				t.Errorf("last synced %s; want now: the sync succeeded", cal.LastSyncedAt)
			}
			return cal.LastError
		}
		if got := lastError(); got != rep.Warning() || !strings.Contains(got, want) {
			t.Errorf("calendar's last error %q; want %q", got, want)
		}
		// Unchanged (304): still said. Fixed: cleared, and the event moves.
		if rep := e.sync(RunOptions{}); !rep.NotModified || !strings.Contains(lastError(), want) {
			t.Errorf("a 304 after it: %+v, last error %q; want the warning kept", rep, lastError())
		}
		e.feed.set(feed(
			telecon(4),
			teleconOverride("20261201T160000", "20261201T180000"),
			single("review@x", "Europe/Berlin", "Detector review (moved)"),
			single("rename@x", "Europe/Berlin", "Trigger meeting, new room"),
		))
		if rep := e.sync(RunOptions{}); rep.Retitled != 1 || len(rep.Skipped) != 0 || lastError() != "" {
			t.Errorf("the zone fixed: %+v, last error %q; want the event retitled, no warning", rep, lastError())
		}
	})
}

// A series with an override of unknown zone is skipped whole: reading the
// master without its override would undo the override's move.
func TestParseFeedSkipsTheWholeSeries(t *testing.T) {
	data := feed(telecon(4), teleconOverride("20261208T160000", "20261208T180000"),
		strings.Replace(teleconOverride("20261215T160000", "20261215T180000"), "DTSTART;TZID=Europe/Zurich", "DTSTART;TZID=Europe/Zurch", 1),
		single("other@x", "Europe/Berlin", "Other"))
	got, err := parseFeed(data, feedOptions{From: syncStart, To: syncStart.Add(90 * 24 * time.Hour), Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.events) != 1 || got.events[0].ExternalID != "other@x" {
		t.Errorf("events: got %v; want only other@x", briefs(got.events))
	}
	if len(got.skipped) != 1 || got.skipped[0].ID != "telecon@indico.example.org" || !strings.Contains(got.skipped[0].Problem, `"Europe/Zurch"`) {
		t.Errorf("skipped: got %+v; want the telecon series, naming Europe/Zurch", got.skipped)
	}
	if !got.skipped[0].covers(dec01) || got.skipped[0].covers("telecon@indico.example.org.other/1") {
		t.Errorf("the skipped series covers the wrong events")
	}
}
