package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync/calsynctest"
)

// icsAt writes an ICS feed of single events, each "title@hours-from-now".
func icsAt(t *testing.T, path string, events ...string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Hour)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//pfsnotify//cli test//EN\r\n")
	for i, e := range events {
		title, hours, _ := strings.Cut(e, "@")
		var h int
		fmt.Sscan(hours, &h)
		start := now.Add(time.Duration(h) * time.Hour)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:event-%d@example.org\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:%s\r\nDURATION:PT1H\r\nSUMMARY:%s\r\nEND:VEVENT\r\n",
			i, start.Format("20060102T150405Z"), title)
	}
	b.WriteString("END:VCALENDAR\r\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCalendarSyncCommand(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		feed := filepath.Join(t.TempDir(), "indico.ics")
		icsAt(t, feed, "Weekly telecon@48", "Weekly telecon@216", "Detector review@72")
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
		c.ok("user", "add", "bob", "--tz", "America/Los_Angeles")
		c.ok("calendar", "add", "--ics", feed, "--name", "indico", "--tz", "Europe/Zurich")
		if out := c.ok("rule", "add", "--user", "alice", "--pattern", "(?i)weekly telecon", "--channel", "push,call", "--lead", "10m"); strings.Contains(out, "registered") {
			t.Errorf("rule add before any sync: %q; want no registration", out)
		}

		out := c.ok("calendar-sync")
		if !strings.Contains(out, "indico: fetched 3 (full), 3 new, 0 moved, 0 cancelled; registrations 2 created, 0 cancelled;") {
			t.Errorf("first calendar-sync printed %q", out)
		}
		before := registrationsAndRules(c)
		if out := c.ok("calendar-sync"); !strings.Contains(out, "indico: not modified; registrations 0 created, 0 cancelled;") {
			t.Errorf("second calendar-sync printed %q; want not modified", out)
		}
		if out := c.ok("calendar-sync", "--full"); !strings.Contains(out, "fetched 3 (full), 0 new, 0 moved, 0 cancelled; registrations 0 created") {
			t.Errorf("calendar-sync --full printed %q; want nothing new", out)
		}
		if after := registrationsAndRules(c); after != before {
			t.Errorf("syncing again changed what the admin commands show:\nbefore %s\nafter  %s", before, after)
		}
		var regs []registrationJSON
		c.json(&regs, "registration", "list", "--user", "alice")
		if len(regs) != 2 || regs[0].Pending != 2 {
			t.Errorf("alice's registrations: got %+v; want 2 with 2 pending reminders each", regs)
		}

		// rule test shows what a pattern would match; rule add applies at once.
		if out := c.ok("rule", "test", "--pattern", "(?i)review", "--tz", "Asia/Tokyo"); !strings.Contains(out, "Detector review") ||
			!strings.Contains(out, "JST (+09:00)") || !strings.Contains(out, "1 upcoming event in the next 90 days matches") {
			t.Errorf("rule test printed %q", out)
		}
		var matches []ruleTestJSON
		c.json(&matches, "rule", "test", "--pattern", "telecon|review")
		if len(matches) != 3 || matches[0].Calendar != "indico" {
			t.Errorf("rule test -o json: got %+v; want 3 events of indico", matches)
		}
		if out := c.ok("rule", "test", "--pattern", "nothing like it"); !strings.Contains(out, "no upcoming event") {
			t.Errorf("rule test without a match printed %q", out)
		}
		if out := c.ok("rule", "add", "--user", "bob", "--pattern", "(?i)review", "--channel", "email", "--lead", "1h"); !strings.Contains(out, "registered bob for 1 upcoming event already synced (1 reminder)") {
			t.Errorf("rule add printed %q; want bob registered at once", out)
		}
		if out := c.ok("rule", "notices", "2", "--moved", "off"); !strings.Contains(out, "rule #2: notices of moves off, of cancellations on (within 1 day of now)") {
			t.Errorf("rule notices printed %q", out)
		}

		// A feed that breaks changes nothing, and says so.
		before = registrationsAndRules(c)
		if err := os.WriteFile(feed, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := c.run("calendar-sync")
		if code != 1 || !strings.Contains(errOut, "indico: failed") || !strings.Contains(errOut, "truncated") {
			t.Errorf("a truncated feed: exit %d, stderr %q; want 1 and the reason", code, errOut)
		}
		var calendars []calendarJSON
		c.json(&calendars, "calendar", "list")
		if len(calendars) != 1 || !strings.Contains(calendars[0].LastError, "truncated") || calendars[0].LastSyncedAt == nil {
			t.Errorf("calendar list: got %+v; want the last error and the last good sync", calendars)
		}
		if after := registrationsAndRules(c); after != before {
			t.Errorf("a failed sync changed registrations:\nbefore %s\nafter  %s", before, after)
		}

		// Half the events gone at once: the guard refuses; --dry-run and --force.
		icsAt(t, feed, "Weekly telecon@48")
		_, errOut, code = c.run("calendar-sync", "--calendar", "indico")
		if code != 1 || !strings.Contains(errOut, "refusing to cancel 2 of 3") || !strings.Contains(errOut, "--force") {
			t.Errorf("vanished events: exit %d, stderr %q; want the guard", code, errOut)
		}
		if out := c.ok("calendar-sync", "--dry-run", "--force"); !strings.Contains(out, "(dry run)") || !strings.Contains(out, "2 cancelled (2 vanished)") {
			t.Errorf("dry run printed %q", out)
		}
		if out := c.ok("calendar-sync", "--force", "-q"); out != "" {
			t.Errorf("calendar-sync -q printed %q; want nothing", out)
		}
		var synced []calendarJSON
		c.json(&synced, "calendar", "list")
		if synced[0].LastError != "" {
			t.Errorf("after a good sync, the last error is %q", synced[0].LastError)
		}

		if _, errOut, code := c.run("calendar-sync", "--calendar", "nope"); code != 1 || !strings.Contains(errOut, `calendar "nope": not found`) {
			t.Errorf("an unknown calendar: exit %d, stderr %q", code, errOut)
		}
		if _, errOut, code := c.run("rule", "test", "--pattern", "(?i)weekly [telecon"); code != 2 || !strings.Contains(errOut, "pattern:") {
			t.Errorf("a bad pattern: exit %d, stderr %q; want 2 naming the pattern", code, errOut)
		}
		if _, errOut, code := c.run("rule", "notices", "2", "--moved", "maybe"); code != 2 || !strings.Contains(errOut, "moved:") {
			t.Errorf("rule notices --moved maybe: exit %d, stderr %q; want 2", code, errOut)
		}
	})
}

// registrationsAndRules is what the admin commands show of both, as JSON.
func registrationsAndRules(c *cli) string {
	return c.ok("registration", "list", "--all", "-o", "json") + c.ok("rule", "list", "-o", "json")
}

// A Google calendar through the command, against the fake API.
func TestCalendarSyncGoogle(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		fake := calsynctest.NewGoogleServer()
		defer fake.Close()
		fake.APIKey = "AIzaCLITest"
		const id = "c_telecons@group.calendar.google.com"
		start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
		fake.Put(id, calsynctest.Timed("e1", "Weekly telecon", start, start.Add(time.Hour), "Europe/Zurich"))
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
		c.ok("calendar", "add", "--google", id, "--name", "telecons")
		c.ok("rule", "add", "--user", "alice", "--pattern", "telecon", "--channel", "push", "--lead", "5m")

		_, errOut, code := c.run("calendar-sync")
		if code != 1 || !strings.Contains(errOut, "google.credentials_file") {
			t.Errorf("without credentials: exit %d, stderr %q; want 1 naming google.credentials_file", code, errOut)
		}
		c.env = append(c.env, "PFSNOTIFY_CALSYNC_GOOGLE_API_URL="+fake.BaseURL(), "PFSNOTIFY_GOOGLE_API_KEY=AIzaCLITest")
		if out := c.ok("calendar-sync"); !strings.Contains(out, "telecons: fetched 1 (full), 1 new") || !strings.Contains(out, "registrations 1 created") {
			t.Errorf("calendar-sync printed %q", out)
		}
		fake.Put(id, calsynctest.Timed("e1", "Weekly telecon", start.Add(time.Hour), start.Add(2*time.Hour), "Europe/Zurich"))
		if out := c.ok("calendar-sync"); !strings.Contains(out, "telecons: fetched 1 (changes), 0 new, 1 moved") {
			t.Errorf("incremental calendar-sync printed %q", out)
		}
	})
}
