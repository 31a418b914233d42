package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A group rule through calendar-sync and an ICS feed: alice in Tokyo (sms,
// 30m and 5m before, her preferences) and bob in New York (no preferences:
// the rule's email an hour before) are each reminded their own way; joining,
// muting, leaving and removing change only whom they should.
func TestGroupRuleCommands(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		feed := filepath.Join(t.TempDir(), "indico.ics")
		icsAt(t, feed, "DRP telecon@48", "DRP telecon@216", "Lunch@50")
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Asia/Tokyo", "--phone", "+81 3-1234-5678")
		c.ok("user", "add", "bob", "--tz", "America/New_York", "--email", "bob@example.org")
		c.ok("user", "add", "carol", "--tz", "Europe/Berlin", "--email", "carol@example.org")
		c.ok("user", "update", "alice", "--channels", "sms", "--leads", "5m,30m")
		c.ok("user", "update", "carol", "--channels", "email", "--leads", "10m")
		c.ok("group", "add", "drp")
		c.ok("group", "member", "add", "drp", "alice", "bob")
		c.ok("calendar", "add", "--ics", feed, "--name", "indico", "--tz", "Europe/Zurich")

		// Bad input changes nothing.
		if _, errOut, code := c.run("rule", "add", "--group", "nope", "--pattern", "DRP"); code != 1 || !strings.Contains(errOut, `no group "nope"`) {
			t.Errorf("rule add --group nope: exit %d, %q; want 1 naming the group", code, errOut)
		}
		if _, errOut, code := c.run("rule", "add", "--group", "drp", "--pattern", "(DRP"); code != 2 || !strings.Contains(errOut, "pattern") {
			t.Errorf("rule add with a bad pattern: exit %d, %q; want 2 naming the pattern", code, errOut)
		}
		if _, errOut, code := c.run("rule", "add", "--group", "drp", "--user", "alice", "--pattern", "DRP"); code != 2 || !strings.Contains(errOut, "--group") {
			t.Errorf("rule add --group --user: exit %d, %q; want 2", code, errOut)
		}
		var rules []ruleJSON
		c.json(&rules, "rule", "list")
		if len(rules) != 0 {
			t.Fatalf("rules after bad input: %+v; want none", rules)
		}

		if out := c.ok("rule", "add", "--group", "drp", "--pattern", "(?i)drp telecon", "--channel", "email", "--lead", "1h"); !strings.Contains(out, "added group rule g1 for group drp") {
			t.Errorf("rule add --group printed %q", out)
		}
		if out := c.ok("calendar-sync"); !strings.Contains(out, "registrations 4 created") {
			t.Errorf("calendar-sync printed %q; want alice and bob registered for 2 telecons", out)
		}
		check := func(login, channels, leads string, lead time.Duration, count, pending int) {
			t.Helper()
			var regs []registrationJSON
			c.json(&regs, "registration", "list", "--user", login)
			if len(regs) != count {
				t.Fatalf("%s: got %d registrations; want %d", login, len(regs), count)
			}
			for _, r := range regs {
				if got := strings.Join(r.Channels, ","); got != channels || strings.Join(r.Leads, ",") != leads || r.Origin != "grouprule:1" || r.Pending != pending {
					t.Errorf("%s's registration: %s %s %s, %d pending; want %s %s grouprule:1, %d pending", login, got, strings.Join(r.Leads, ","), r.Origin, r.Pending,
						channels, leads, pending)
				}
				if r.NextDueAt == nil || !r.NextDueAt.Equal(r.Start.Add(-lead)) {
					t.Errorf("%s's first reminder: due %v; want %s before %s", login, r.NextDueAt, lead, r.Start)
				}
			}
		}
		check("alice", "sms", "30m,5m", 30*time.Minute, 2, 2)
		check("bob", "email", "1h", time.Hour, 2, 1)

		c.json(&rules, "rule", "list")
		if len(rules) != 1 || rules[0].Ref != "g1" || rules[0].Group != "drp" || rules[0].User != "" {
			t.Errorf("rule list -o json: %+v; want g1 of drp", rules)
		}
		if out := c.ok("rule", "list", "--group", "drp"); !strings.Contains(out, "g1") || !strings.Contains(out, "MUTED BY") {
			t.Errorf("rule list --group drp printed %q", out)
		}

		// carol joins: at once.
		if out := c.ok("group", "member", "add", "drp", "carol"); !strings.Contains(out, "registered members for 2 upcoming events already synced (2 reminders)") {
			t.Errorf("carol joining printed %q; want her registered at once", out)
		}
		check("carol", "email", "10m", 10*time.Minute, 2, 1)

		// alice mutes it for herself; calendar-sync brings nothing back.
		if out := c.ok("rule", "mute", "g1", "--user", "alice"); !strings.Contains(out, "cancelled 2 registrations and 4 pending reminders") {
			t.Errorf("rule mute printed %q", out)
		}
		if out := c.ok("calendar-sync", "--full"); !strings.Contains(out, "registrations 0 created") {
			t.Errorf("calendar-sync after muting printed %q; want nothing made", out)
		}
		c.json(&rules, "rule", "list")
		if len(rules) != 1 || rules[0].Muted == nil || strings.Join(*rules[0].Muted, ",") != "alice" {
			t.Errorf("rule list after muting: %+v; want muted by alice", rules)
		}
		if out := c.ok("rule", "unmute", "g1", "--user", "alice"); !strings.Contains(out, "registered members for 2 upcoming events") {
			t.Errorf("rule unmute printed %q; want hers back at once", out)
		}
		check("alice", "sms", "30m,5m", 30*time.Minute, 2, 2)

		// bob leaves: his pending reminders go.
		c.ok("group", "member", "remove", "drp", "bob")
		var regs []registrationJSON
		c.json(&regs, "registration", "list", "--user", "bob")
		if len(regs) != 0 {
			t.Errorf("bob after leaving: %d active registrations; want none", len(regs))
		}
		c.json(&regs, "registration", "list", "--user", "bob", "--all")
		if len(regs) != 2 || regs[0].Status != "cancelled" || !strings.Contains(regs[0].CancelledWhy, "left the group") {
			t.Errorf("bob's registrations after leaving: %+v; want 2 cancelled, saying he left the group", regs)
		}

		// Its notices of moves and cancellations, as a person's rule's.
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"rule", "notices", "g1"}, "group rule g1: notices of moves on, of cancellations on (within 1 day of now)"},
			{[]string{"rule", "notices", "g1", "--moved", "off"}, "group rule g1: notices of moves off, of cancellations on (within 1 day of now)"},
			{[]string{"rule", "notices", "G1", "--cancelled", "no"}, "group rule g1: notices of moves off, of cancellations off"},
		} {
			if out := c.ok(tt.args...); !strings.Contains(out, tt.want) {
				t.Errorf("%s printed %q; want %q", strings.Join(tt.args, " "), out, tt.want)
			}
		}
		for _, tt := range []struct {
			args     []string
			wantCode int
			wantErr  string
		}{
			{[]string{"rule", "notices", "g1", "--moved", "maybe"}, 2, "moved:"},
			{[]string{"rule", "notices", "g1", "--cancelled", "sometimes"}, 2, "cancelled:"},
			{[]string{"rule", "notices", "g9", "--moved", "off"}, 1, "group rule g9: not found"},
			{[]string{"rule", "notices", "gx"}, 2, `rule id "gx"`},
		} {
			if _, errOut, code := c.run(tt.args...); code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("%s: exit %d, stderr %q; want %d saying %q", strings.Join(tt.args, " "), code, errOut, tt.wantCode, tt.wantErr)
			}
		}

		// Pause and resume, then remove: every member's pending reminders are cancelled.
		c.ok("rule", "pause", "g1")
		c.ok("rule", "resume", "g1")
		if out := c.ok("rule", "remove", "g1"); !strings.Contains(out, "removed group rule g1; cancelled 4 registrations and 6 pending reminders") {
			t.Errorf("rule remove g1 printed %q", out)
		}
		if _, _, code := c.run("rule", "remove", "g1"); code != 1 {
			t.Errorf("removing g1 twice: exit %d; want 1 (not found)", code)
		}
	})
}
