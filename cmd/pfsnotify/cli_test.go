package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// cli runs pfsnotify in-process against one database, as an admin's shell would.
type cli struct {
	t   *testing.T
	env []string
}

// newCLI points pfsnotify at a fresh database of the given backend, through
// the environment, as a cron job or a systemd unit would.
func newCLI(t *testing.T, db config.Database) *cli {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir) // no ./pfsnotify.yaml, no ./pfsnotify.db from elsewhere
	return &cli{t: t, env: []string{
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"),
		"PFSNOTIFY_DATABASE_DRIVER=" + db.Driver,
		"PFSNOTIFY_DATABASE_DSN=" + db.DSN,
	}}
}

// run returns standard output, standard error and the exit status.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, c.env)
	return stdout.String(), stderr.String(), code
}

// ok runs a command that must succeed and returns its output.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("pfsnotify %s: exit %d; want 0\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// json runs a command with -o json and decodes its output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("pfsnotify %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// backends runs fn on a fresh SQLite and a fresh MySQL database.
func backends(t *testing.T, fn func(t *testing.T, c *cli)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, newCLI(t, storetest.SQLiteConfig(t)))
	})
	t.Run("mysql", func(t *testing.T) {
		fn(t, newCLI(t, storetest.MySQLConfig(t)))
	})
}

func TestAdminWorkflow(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		if out := c.ok("db", "migrate"); !strings.Contains(out, "applied 00001_initial.sql") {
			t.Fatalf("db migrate printed %q; want the applied migration", out)
		}
		if out := c.ok("db", "migrate"); !strings.Contains(out, "up to date") {
			t.Errorf("second db migrate printed %q; want up to date", out)
		}
		c.ok("user", "add", "alice", "--name", "Alice Liddell", "--email", "alice@example.org",
			"--phone", "+41 22 767 61 11", "--tz", "Asia/Tokyo", "--language", "ja-jp")
		var users []userJSON
		c.json(&users, "user", "list")
		if len(users) != 1 || users[0].Phone != "+41227676111" || users[0].Language != "ja-JP" || users[0].TimeZone != "Asia/Tokyo" {
			t.Fatalf("user list: got %+v; want alice with E.164 phone, ja-JP, Asia/Tokyo", users)
		}

		out := c.ok("registration", "add", "--user", "alice", "--at", "2099-12-01 09:00", "--title", "Detector review",
			"--channel", "push,call", "--lead", "10m,2m")
		if want := `added registration #1 for alice: "Detector review" at 2099-12-01 09:00 JST (+09:00); 4 reminders, next due 2099-12-01 08:50 JST (+09:00) (push)`; strings.TrimSpace(out) != want {
			t.Errorf("registration add printed\n%s\nwant\n%s", out, want)
		}
		table := c.ok("registration", "list")
		if !strings.Contains(table, "2099-12-01 08:50 JST (+09:00)") {
			t.Errorf("registration list does not show the next due time in the user's zone:\n%s", table)
		}
		var regs []registrationJSON
		c.json(&regs, "registration", "list", "--user", "alice")
		if len(regs) != 1 || regs[0].Pending != 4 || regs[0].NextDueAt == nil || regs[0].NextDueAt.Format("2006-01-02T15:04Z07:00") != "2099-11-30T23:50Z" {
			t.Fatalf("registration list -o json: got %+v; want 4 pending, next due 2099-11-30T23:50Z", regs)
		}

		if out := c.ok("registration", "cancel", "1"); !strings.Contains(out, "cancelled registration #1") || !strings.Contains(out, "4 pending reminders") {
			t.Errorf("registration cancel printed %q", out)
		}
		c.json(&regs, "registration", "list", "--all")
		if len(regs) != 1 || regs[0].Status != "cancelled" || regs[0].Pending != 0 || regs[0].NextDueAt != nil {
			t.Errorf("after cancel: got %+v; want cancelled with nothing pending", regs)
		}
		c.json(&regs, "registration", "list")
		if len(regs) != 0 {
			t.Errorf("after cancel, active registrations: got %d; want 0", len(regs))
		}

		c.ok("calendar", "add", "--ics", "https://indico.example.org/category/42/events.ics", "--name", "indico", "--tz", "Europe/Zurich")
		c.ok("rule", "add", "--user", "alice", "--pattern", "(?i)weekly telecon", "--calendar", "indico", "--channel", "call", "--lead", "5m")
		var rules []ruleJSON
		c.json(&rules, "rule", "list")
		if len(rules) != 1 || rules[0].Calendar != "indico" || rules[0].Pattern != "(?i)weekly telecon" || !rules[0].Active {
			t.Fatalf("rule list: got %+v", rules)
		}
		c.ok("rule", "pause", "1")
		c.json(&rules, "rule", "list")
		if rules[0].Active {
			t.Errorf("after pause, rule is active")
		}
		c.ok("rule", "remove", "1")
		c.json(&rules, "rule", "list")
		if len(rules) != 0 {
			t.Errorf("after remove: %d rules; want 0", len(rules))
		}
		var calendars []calendarJSON
		c.json(&calendars, "calendar", "list")
		if len(calendars) != 1 || calendars[0].Name != "indico" || calendars[0].LastSyncedAt != nil {
			t.Fatalf("calendar list: got %+v", calendars)
		}
		c.ok("calendar", "remove", "indico")
		c.json(&calendars, "calendar", "list")
		if len(calendars) != 0 {
			t.Errorf("after remove: %d calendars; want 0", len(calendars))
		}

		c.ok("user", "update", "alice", "--phone", "", "--tz", "Europe/Paris")
		c.ok("user", "disable", "alice")
		var shown userJSON
		c.json(&shown, "user", "show", "alice")
		if shown.Phone != "" || shown.TimeZone != "Europe/Paris" || !shown.Disabled {
			t.Errorf("user show after update and disable: got %+v", shown)
		}
	})
}

// storetestSQLite and storetestMySQL name a fresh database of each backend.
func storetestSQLite(t *testing.T) config.Database { return storetest.SQLiteConfig(t) }
func storetestMySQL(t *testing.T) config.Database  { return storetest.MySQLConfig(t) }

// The README's first command: demo migrates, registers and sends a reminder.
func TestDemo(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	out := c.ok("demo", "--in", "2m")
	for _, want := range []string{"added user demo", "registered demo", `channel=log kind=reminder user=demo title="pfsnotify demo meeting`,
		"invoke: sent 1, failed 0, retrying 0, skipped 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo printed %q; want %q in it", out, want)
		}
	}
	if _, errOut, code := c.run("demo", "--in", "1m"); code != 2 || !strings.Contains(errOut, "too soon") {
		t.Errorf("demo --in 1m: exit %d, %q; want 2 and too soon", code, errOut)
	}
}
