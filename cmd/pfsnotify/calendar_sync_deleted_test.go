package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A registration whose event was deleted from the feed shows cancelled,
// with why, in registration list and show; it comes back with the event.
func TestCalendarSyncDeletedEventCancelsRegistration(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		feed := filepath.Join(t.TempDir(), "indico.ics")
		icsAt(t, feed, "Weekly telecon@48", "Weekly telecon@216")
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
		c.ok("calendar", "add", "--ics", feed, "--name", "indico", "--tz", "Europe/Zurich")
		c.ok("rule", "add", "--user", "alice", "--pattern", "telecon", "--channel", "push", "--lead", "10m")
		c.ok("calendar-sync")

		icsAt(t, feed, "Weekly telecon@48") // the second one deleted
		if out := c.ok("calendar-sync"); !strings.Contains(out, "1 cancelled (1 vanished)") {
			t.Fatalf("calendar-sync printed %q; want the deleted event cancelled", out)
		}
		var active, all []registrationJSON
		c.json(&active, "registration", "list")
		c.json(&all, "registration", "list", "--all")
		if len(active) != 1 || len(all) != 2 {
			t.Fatalf("registrations: %d active, %d in all; want 1 and 2", len(active), len(all))
		}
		gone := all[1]
		if gone.Status != "cancelled" || gone.Pending != 0 || gone.CancelledWhy != "its event was cancelled or removed from the calendar" {
			t.Errorf("the deleted event's registration: %+v; want cancelled, nothing pending, and why", gone)
		}
		if all[0].Status != "active" || all[0].CancelledWhy != "" {
			t.Errorf("the other registration: %+v; want active", all[0])
		}
		if out := c.ok("registration", "list", "--all"); !strings.Contains(out, "cancelled: its event was cancelled or removed from the calendar") {
			t.Errorf("registration list --all:\n%s\nwant the cancelled one with why", out)
		}
		if out := c.ok("registration", "show", itoa(gone.ID)); !strings.Contains(out, "(rule:1, cancelled)") ||
			!strings.Contains(out, "cancelled by calendar-sync: its event was cancelled or removed from the calendar") {
			t.Errorf("registration show:\n%s\nwant cancelled, with why", out)
		}
		var shown registrationJSON
		c.json(&shown, "registration", "show", itoa(gone.ID))
		if shown.Status != "cancelled" || shown.CancelledWhy == "" {
			t.Errorf("registration show -o json: %+v; want cancelled, with why", shown)
		}

		// The first one deleted too, and its registration cancelled by hand
		// meanwhile: when both come back, only the other one does.
		icsAt(t, feed)
		c.ok("calendar-sync", "--force")
		c.ok("registration", "cancel", itoa(all[0].ID))
		icsAt(t, feed, "Weekly telecon@48", "Weekly telecon@216") // back
		if out := c.ok("calendar-sync"); !strings.Contains(out, "2 restored") {
			t.Fatalf("calendar-sync printed %q; want the event restored", out)
		}
		var back []registrationJSON
		c.json(&back, "registration", "list", "--all")
		if len(back) != 2 || back[1].Status != "active" || back[1].Pending != 1 || back[1].CancelledWhy != "" ||
			back[0].Status != "cancelled" || back[0].Pending != 0 || back[0].CancelledWhy != "" {
			t.Errorf("after the events came back: %+v; want the one cancelled by hand cancelled, the other active with 1 reminder pending", back)
		}
	})
}
