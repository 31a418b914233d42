package main

import (
	"strings"
	"testing"
)

// One rule for "not found": a login, id or name that names nothing is exit
// status 1, whether it is an argument or a flag's value, and the message
// says what was not found.
func TestNotFoundIsExitOne(t *testing.T) {
	c := newCLI(t, storetestSQLite(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice")
	for _, args := range [][]string{
		{"user", "show", "nobody"},
		{"user", "update", "nobody", "--tz", "UTC"},
		{"user", "disable", "nobody"},
		{"user", "enable", "nobody"},
		{"user", "passwd", "nobody"},
		{"registration", "add", "--user", "nobody", "--at", "+1h", "--title", "x", "--channel", "log", "--lead", "0"},
		{"registration", "add", "--user", "alice", "--event", "999", "--channel", "log", "--lead", "0"},
		{"registration", "list", "--user", "nobody"},
		{"registration", "show", "999"},
		{"registration", "cancel", "999"},
		{"rule", "add", "--user", "nobody", "--pattern", "x", "--channel", "log", "--lead", "0"},
		{"rule", "add", "--user", "alice", "--calendar", "nope", "--pattern", "x", "--channel", "log", "--lead", "0"},
		{"rule", "list", "--user", "nobody"},
		{"rule", "remove", "999"},
		{"rule", "pause", "999"},
		{"calendar", "remove", "nope"},
		{"calendar-sync", "--calendar", "nope"},
	} {
		_, errOut, code := c.run(args...)
		named := args[len(args)-1]
		for i, a := range args {
			if a == "nobody" || a == "999" || a == "nope" {
				named = args[i]
			}
		}
		if code != 1 || !strings.Contains(errOut, named) {
			t.Errorf("pfsnotify %s: exit %d, %q; want 1, naming %s", strings.Join(args, " "), code, errOut, named)
		}
	}
	// A malformed value is still a usage error.
	for _, args := range [][]string{{"registration", "show", "abc"}, {"registration", "add", "--user", "alice", "--event", "x"}} {
		if _, errOut, code := c.run(args...); code != 2 {
			t.Errorf("pfsnotify %s: exit %d, %q; want 2", strings.Join(args, " "), code, errOut)
		}
	}
}
