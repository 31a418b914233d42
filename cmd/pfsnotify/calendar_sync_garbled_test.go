package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A garbled feed (content lines that make go-ical's decoder panic) fails
// its own calendar only: the others sync, the bad one keeps the reason as
// its last error, and calendar-sync exits 1.
func TestCalendarSyncGarbledFeed(t *testing.T) {
	garbled := []struct{ name, line, want string }{
		{"colonless", "0;0=", `line 7: "0;0=" is not a content line`},
		{"junk-after-param", `X-A;P="q"junk:v`, "reading it failed (ical: unexpected character 'j'"},
	}
	backends(t, func(t *testing.T, c *cli) {
		dir := t.TempDir()
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
		c.ok("rule", "add", "--user", "alice", "--pattern", "(?i)telecon|review", "--channel", "push", "--lead", "10m")
		good := []string{"a-good", "z-good"}
		for i, name := range good {
			feed := filepath.Join(dir, name+".ics")
			icsAt(t, feed, "Weekly telecon@"+itoa(int64(48+i)), "Detector review@72")
			c.ok("calendar", "add", "--ics", feed, "--name", name)
		}
		for _, g := range garbled {
			start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour).Format("20060102T150405Z")
			body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x@example.org\r\n" +
				"DTSTART:" + start + "\r\n" + g.line + "\r\nSUMMARY:Weekly telecon\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
			feed := filepath.Join(dir, g.name+".ics")
			if err := os.WriteFile(feed, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			c.ok("calendar", "add", "--ics", feed, "--name", "m-"+g.name)
		}

		out, errOut, code := c.run("calendar-sync")
		if code != 1 {
			t.Fatalf("calendar-sync: exit %d; want 1\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic:") {
			t.Errorf("calendar-sync printed a stack trace:\n%s", errOut)
		}
		for _, name := range good {
			if !strings.Contains(out, name+": fetched 2 (full), 2 new") {
				t.Errorf("stdout %q; want %s synced", out, name)
			}
		}
		if !strings.Contains(errOut, "2 of 4 calendars failed to sync") {
			t.Errorf("stderr %q; want 2 of 4 calendars failed", errOut)
		}
		var calendars []calendarJSON
		c.json(&calendars, "calendar", "list")
		byName := map[string]calendarJSON{}
		for _, cal := range calendars {
			byName[cal.Name] = cal
		}
		for _, g := range garbled {
			cal := byName["m-"+g.name]
			if !strings.Contains(cal.LastError, g.want) || cal.LastSyncedAt != nil {
				t.Errorf("calendar %s: last error %q, last synced %v; want %q and never synced", cal.Name, cal.LastError, cal.LastSyncedAt, g.want)
			}
			if !strings.Contains(errOut, cal.Name+": failed") || !strings.Contains(errOut, g.want) {
				t.Errorf("stderr %q; want %s failed with %q", errOut, cal.Name, g.want)
			}
		}
		for _, name := range good {
			if cal := byName[name]; cal.LastError != "" || cal.LastSyncedAt == nil {
				t.Errorf("calendar %s: last error %q, last synced %v; want synced", name, cal.LastError, cal.LastSyncedAt)
			}
		}
		if table := c.ok("calendar", "list"); !strings.Contains(table, "is not a content line") {
			t.Errorf("calendar list:\n%s\nwant the garbled feed's error", table)
		}
		var regs []registrationJSON
		c.json(&regs, "registration", "list", "--user", "alice")
		if len(regs) != 4 {
			t.Errorf("alice has %d registrations; want 4, from the two good calendars", len(regs))
		}
	})
}

// An event of unknown zone is named on stderr and in calendar list; the
// rest of its feed syncs, and the exit status is 0.
func TestCalendarSyncUnknownZone(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		feed := filepath.Join(t.TempDir(), "indico.ics")
		icsAt(t, feed, "Weekly telecon@48", "Detector review@72")
		c.ok("db", "migrate")
		c.ok("calendar", "add", "--ics", feed, "--name", "indico", "--tz", "Europe/Zurich")
		c.ok("calendar-sync")
		data, err := os.ReadFile(feed)
		if err != nil {
			t.Fatal(err)
		}
		typo := strings.Replace(string(data), "SUMMARY:Detector review", "SUMMARY:Detector review, moved", 1)
		typo = strings.Replace(typo, "UID:event-0@example.org\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:", "UID:event-0@example.org\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berln:", 1)
		typo = strings.Replace(typo, "Z\r\nDURATION", "\r\nDURATION", 1) // the first DTSTART: local, in the misspelt zone
		if err := os.WriteFile(feed, []byte(typo), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := c.run("calendar-sync", "-q")
		want := `skipped 1 event, kept as they were: event "event-0@example.org" (Weekly telecon): unknown time zone "Europe/Berln"`
		if code != 0 || out != "" || !strings.Contains(errOut, "pfsnotify: warning: indico: fetched 1 (full), 0 new") || !strings.Contains(errOut, want) ||
			!strings.Contains(errOut, "1 retitled") {
			t.Errorf("calendar-sync -q: exit %d, stdout %q, stderr %q; want 0, the warning naming the event and its zone", code, out, errOut)
		}
		var calendars []calendarJSON
		c.json(&calendars, "calendar", "list")
		if len(calendars) != 1 || !strings.Contains(calendars[0].LastError, want) {
			t.Errorf("calendar list: %+v; want the skipped event as the last error", calendars)
		}
	})
}
