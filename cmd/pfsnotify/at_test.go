package main

import (
	"strings"
	"testing"
	"time"
)

// --at takes relative forms, and refuses an offset its zone does not have
// then, naming the field.
func TestRegistrationAddAt(t *testing.T) {
	c := newCLI(t, storetestSQLite(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--tz", "Europe/Berlin")
	base := []string{"registration", "add", "--user", "alice", "--title", "Review", "--channel", "log", "--lead", "5m"}

	before := time.Now()
	c.ok(append(base, "--at", "+2h")...)
	var regs []registrationJSON
	c.json(&regs, "registration", "list")
	if len(regs) != 1 || regs[0].Start.Before(before.Add(2*time.Hour).Truncate(time.Second)) || regs[0].Start.After(time.Now().Add(2*time.Hour)) {
		t.Fatalf("--at +2h: got %+v; want a start two hours from now", regs)
	}

	for _, tt := range []struct {
		at   string
		want string // the start, UTC
	}{
		{"2027-10-31 02:30 +02:00", "2027-10-31T00:30:00Z"},
		{"2027-10-31 02:30 +01:00", "2027-10-31T01:30:00Z"},
	} {
		out := c.ok(append(base, "--at", tt.at, "--tz", "Europe/Berlin")...)
		c.json(&regs, "registration", "list")
		if got := regs[len(regs)-1].Start.UTC().Format(time.RFC3339); got != tt.want {
			t.Errorf("--at %q: got start %s; want %s (%s)", tt.at, got, tt.want, out)
		}
	}
	_, errOut, code := c.run(append(base, "--at", "2027-10-31 02:30 +05:00", "--tz", "Europe/Berlin")...)
	if code != 2 || !strings.Contains(errOut, "at:") || !strings.Contains(errOut, "not +05:00") {
		t.Errorf("--at with +05:00 in Berlin: exit %d, %q; want 2 naming the field at and the offset", code, errOut)
	}
	_, errOut, code = c.run(append(base, "--at", "next week")...)
	if code != 2 || !strings.Contains(errOut, "tomorrow 09:00") {
		t.Errorf("--at next week: exit %d, %q; want 2 and the forms it takes", code, errOut)
	}
	c.json(&regs, "registration", "list")
	if len(regs) != 3 {
		t.Errorf("got %d registrations; want 3: a refused --at adds nothing", len(regs))
	}
}

// invoke --dry-run --at: who gets what at that instant.
func TestInvokeDryRunAt(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
		c.ok("user", "add", "bob", "--tz", "Asia/Tokyo")
		c.ok("registration", "add", "--user", "alice", "--at", "tomorrow 09:10", "--tz", "Europe/Zurich", "--title", "Detector review",
			"--channel", "log", "--lead", "10m")
		c.ok("registration", "add", "--user", "bob", "--at", "tomorrow 09:30", "--tz", "Europe/Zurich", "--title", "Run meeting",
			"--channel", "log", "--lead", "30m,5m")
		c.ok("registration", "add", "--user", "bob", "--at", "+3h", "--title", "Soon", "--channel", "log", "--lead", "0")

		out := c.ok("invoke", "--dry-run", "--at", "tomorrow 09:00", "--tz", "Europe/Zurich")
		if !strings.Contains(out, "alice") || !strings.Contains(out, "Detector review") || !strings.Contains(out, "bob") ||
			!strings.Contains(out, "Run meeting") || strings.Contains(out, "Soon") || !strings.Contains(out, "2 reminders due in the 1m0s up to then") {
			t.Errorf("dry run at 09:00: want alice's review and bob's run meeting, not what is due earlier\n%s", out)
		}
		out = c.ok("invoke", "--dry-run", "--at", "tomorrow 09:25", "--tz", "Europe/Zurich", "--window", "20m")
		if strings.Contains(out, "alice") || !strings.Contains(out, "Run meeting") || !strings.Contains(out, "1 reminder due in the 20m0s") {
			t.Errorf("dry run at 09:25 over 20m: want bob's second reminder only\n%s", out)
		}
		out = c.ok("invoke", "--dry-run", "--at", "tomorrow 08:58", "--tz", "Europe/Zurich")
		if !strings.Contains(out, "0 reminders due") {
			t.Errorf("dry run at 08:58: want nothing\n%s", out)
		}
		// Nothing was sent or changed.
		var regs []registrationJSON
		c.json(&regs, "registration", "list")
		pending := 0
		for _, r := range regs {
			pending += r.Pending
		}
		if pending != 4 {
			t.Errorf("after the dry runs: %d reminders pending; want all 4", pending)
		}
		for _, args := range [][]string{
			{"invoke", "--at", "tomorrow 09:00"},
			{"invoke", "--dry-run", "--tz", "Europe/Zurich"},
			{"invoke", "--dry-run", "--at", "2027-10-31 02:30 +05:00", "--tz", "Europe/Berlin"},
		} {
			if _, errOut, code := c.run(args...); code != 2 {
				t.Errorf("%s: exit %d, %q; want 2", strings.Join(args, " "), code, errOut)
			}
		}
	})
}
