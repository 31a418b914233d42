package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// Every bad input gets a clear error naming the field, the right exit
// status, and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  []string // each must appear on standard error
	}{
		{"unknown user", []string{"registration", "add", "--user", "nobody", "--at", "2099-12-01 09:00", "--title", "T", "--channel", "push", "--lead", "5m"},
			1, []string{"user:", `no user "nobody"`}}, // not found: 1, as everywhere
		{"unparseable date", []string{"registration", "add", "--user", "alice", "--at", "next tuesday", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"at:", "next tuesday"}},
		{"impossible date", []string{"registration", "add", "--user", "alice", "--at", "2099-02-30 09:00", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"at:"}},
		{"time in a DST gap", []string{"registration", "add", "--user", "alice", "--at", "2099-03-08 02:30", "--tz", "America/New_York", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"at:", "does not exist in America/New_York"}},
		{"ambiguous time in a DST overlap", []string{"registration", "add", "--user", "alice", "--at", "2099-11-01 01:30", "--tz", "America/New_York", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"at:", "twice"}},
		{"unknown time zone", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--tz", "Europe/Pari", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"tz:", "Europe/Pari"}},
		{"start in the past", []string{"registration", "add", "--user", "alice", "--at", "2001-12-01 09:00", "--title", "T", "--channel", "push", "--lead", "5m"},
			2, []string{"start:", "in the past"}},
		{"unknown channel", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--title", "T", "--channel", "push,pigeon", "--lead", "5m"},
			2, []string{"channel:", "pigeon"}},
		{"negative lead", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--title", "T", "--channel", "push", "--lead", "-5m"},
			2, []string{"lead:", "negative"}},
		{"garbage lead", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--title", "T", "--channel", "push", "--lead", "10x"},
			2, []string{"lead:", "10x"}},
		{"missing title", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--channel", "push", "--lead", "5m"},
			2, []string{"title:"}},
		{"both --at and --event", []string{"registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--event", "1", "--channel", "push", "--lead", "5m"},
			2, []string{"exactly one of --at"}},
		{"unknown event", []string{"registration", "add", "--user", "alice", "--event", "99", "--channel", "push", "--lead", "5m"},
			1, []string{"event:", "no event #99"}},
		{"phone without country code", []string{"user", "add", "bob", "--phone", "555 0100"},
			2, []string{"phone:", "country code"}},
		{"phone that is not a number", []string{"user", "add", "bob", "--phone", "+1 call me"},
			2, []string{"phone:"}},
		{"unknown zone for a user", []string{"user", "add", "bob", "--tz", "Mars/Olympus"},
			2, []string{"time_zone:", "Mars/Olympus"}},
		{"bad language", []string{"user", "add", "bob", "--language", "klingon!"},
			2, []string{"language:"}},
		{"duplicate login", []string{"user", "add", "ALICE"},
			2, []string{"login:", "taken"}},
		{"bad phone on update", []string{"user", "update", "alice", "--phone", "12"},
			2, []string{"phone:"}},
		{"update of an unknown user", []string{"user", "update", "nobody", "--tz", "UTC"},
			1, []string{`no user "nobody"`}},
		{"invalid regexp", []string{"rule", "add", "--user", "alice", "--pattern", "(?i)weekly [telecon", "--channel", "call", "--lead", "5m"},
			2, []string{"pattern:", "missing closing ]"}},
		{"rule on an unknown calendar", []string{"rule", "add", "--user", "alice", "--pattern", "x", "--calendar", "nope", "--channel", "call", "--lead", "5m"},
			1, []string{"nope"}},
		{"calendar with a bad URL", []string{"calendar", "add", "--ics", "ftp://example.org/x.ics", "--name", "x"},
			2, []string{"source:"}},
		{"cancel an unknown registration", []string{"registration", "cancel", "99"},
			1, []string{"registration #99: not found"}},
		{"cancel with a non-number", []string{"registration", "cancel", "abc"},
			2, []string{`registration id "abc"`}},
		{"unknown flag", []string{"user", "list", "--colour"},
			2, []string{"unknown flag: --colour"}},
		{"unknown output format", []string{"user", "list", "-o", "yaml"},
			2, []string{`"yaml" is not an output format`}},
	}
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--tz", "Europe/Zurich", "--phone", "+41227676111")
		before := snapshot(c)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, errOut, code := c.run(tt.args...)
				if code != tt.wantCode {
					t.Errorf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(errOut, want) {
						t.Errorf("stderr %q; want it to contain %q", errOut, want)
					}
				}
				if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
					t.Errorf("stderr has a stack trace: %s", errOut)
				}
				if after := snapshot(c); after != before {
					t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

// snapshot is everything the admin commands can see, as JSON.
func snapshot(c *cli) string {
	var b strings.Builder
	for _, args := range [][]string{{"user", "list"}, {"registration", "list", "--all"}, {"rule", "list"}, {"calendar", "list"}} {
		b.WriteString(c.ok(append(args, "-o", "json")...))
	}
	return b.String()
}

// A lead time that puts one reminder in the past warns and skips it.
func TestPastLeadWarnsAndSkips(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--tz", "UTC")
	_, _, code := c.run("registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--title", "T",
		"--channel", "push", "--lead", "30000d,5m")
	if code == 0 {
		t.Fatalf("a 30000-day lead was accepted; want it refused as longer than the maximum")
	}
	// A reminder due before now: the event is close, the long lead is past.
	out, errOut, code := c.run("registration", "add", "--user", "alice", "--at", nowPlus(t, 20), "--tz", "UTC", "--title", "T",
		"--channel", "push", "--lead", "1h,5m")
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstderr: %s", code, errOut)
	}
	if !strings.Contains(errOut, "warning: reminder 1h before (push) would be due at") || !strings.Contains(errOut, "skipped") {
		t.Errorf("stderr %q; want a warning about the skipped 1h reminder", errOut)
	}
	if !strings.Contains(out, "1 reminder,") {
		t.Errorf("stdout %q; want 1 reminder planned", out)
	}
	_, errOut, code = c.run("registration", "add", "--user", "alice", "--at", nowPlus(t, 20), "--tz", "UTC", "--title", "T",
		"--channel", "push", "--lead", "1h")
	if code != 2 || !strings.Contains(errOut, "lead: every reminder") {
		t.Errorf("only past reminders: exit %d, stderr %q; want 2 and a lead error", code, errOut)
	}
}

// Database trouble: exit 1 naming the host and the cause, no stack trace;
// a DSN that does not parse is a configuration error (exit 2).
func TestDatabaseErrors(t *testing.T) {
	tests := []struct {
		name     string
		db       config.Database
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"unreachable server", config.Database{Driver: "mysql", DSN: "pfs:secret@tcp(127.0.0.1:1)/pfsnotify"}, []string{"user", "list"},
			1, []string{"connect to mysql at 127.0.0.1:1", "connection refused"}},
		{"bad DSN", config.Database{Driver: "mysql", DSN: "pfs:secret@127.0.0.1/pfsnotify"}, []string{"user", "list"},
			2, []string{"database.dsn"}},
		{"unknown driver", config.Database{Driver: "postgres", DSN: "x"}, []string{"db", "migrate"},
			2, []string{"database.driver", "postgres"}},
		{"schema behind", storetest.SQLiteConfig(t), []string{"user", "list"},
			1, []string{`run "pfsnotify db migrate"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t, tt.db)
			out, errOut, code := c.run(tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr %q; want it to contain %q", errOut, want)
				}
			}
			if strings.Contains(errOut, "secret") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("stderr leaks the password or a stack trace: %s", errOut)
			}
		})
	}
}

// nowPlus is the wall time in UTC some minutes from now, as --at takes it.
func nowPlus(t *testing.T, minutes int) string {
	t.Helper()
	return time.Now().UTC().Add(time.Duration(minutes) * time.Minute).Format("2006-01-02 15:04")
}
