package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// registration show -o json counts the pending reminders and gives the next
// one, as registration list does.
func TestRegistrationShowPending(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Asia/Tokyo")
		c.ok("registration", "add", "--user", "alice", "--at", "tomorrow 09:00", "--title", "Detector review",
			"--channel", "log,webhook", "--lead", "10m,2m")
		var list []registrationJSON
		c.json(&list, "registration", "list")
		var shown registrationJSON
		c.json(&shown, "registration", "show", "1")
		if list[0].Pending != 4 || list[0].NextDueAt == nil {
			t.Fatalf("registration list: got %+v; want 4 pending", list[0])
		}
		if shown.Pending != 4 || shown.NextDueAt == nil || !shown.NextDueAt.Equal(*list[0].NextDueAt) {
			t.Errorf("registration show: got pending %d, next due %v; want 4 and %v, as list says", shown.Pending, shown.NextDueAt, list[0].NextDueAt)
		}
		c.ok("registration", "cancel", "1")
		out := c.ok("registration", "show", "1", "-o", "json")
		var cancelled map[string]any
		if err := json.Unmarshal([]byte(out), &cancelled); err != nil {
			t.Fatal(err)
		}
		if cancelled["pending"] != 0.0 || cancelled["next_due_at"] != nil {
			t.Errorf("after cancel: got pending %v, next_due_at %v; want 0 and null", cancelled["pending"], cancelled["next_due_at"])
		}
	})
}

// registration add warns, as list and show do, when no channel of the
// registration can reach the person; it is added all the same.
func TestRegistrationAddWarnsReachesNobody(t *testing.T) {
	c := newCLI(t, storetestSQLite(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--tz", "Europe/Zurich") // no phone, no email; nothing configured
	tests := []struct {
		channels string
		warn     string // "" for none
	}{
		{"call,email", "registration #1 reaches nobody: call: not configured (twilio); email: not configured (smtp)"},
		{"push", "registration #2 reaches nobody: push: not configured (webpush keys)"},
		{"call,log", ""},
	}
	for _, tt := range tests {
		out, errOut, code := c.run("registration", "add", "--user", "alice", "--at", "+2h", "--title", "Review",
			"--channel", tt.channels, "--lead", "10m")
		if code != 0 || !strings.Contains(out, "added registration") {
			t.Fatalf("--channel %s: exit %d, %q; want it added", tt.channels, code, out+errOut)
		}
		if tt.warn == "" && strings.Contains(errOut, "reaches nobody") {
			t.Errorf("--channel %s: got %q; want no warning (log reaches everyone)", tt.channels, errOut)
		}
		if tt.warn != "" && !strings.Contains(errOut, "warning: "+tt.warn) {
			t.Errorf("--channel %s: got %q; want the warning %q", tt.channels, errOut, tt.warn)
		}
	}
}
