package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// complete asks pfsnotify for completions as a shell does (cobra's
// __complete) and returns the offered values and the directive line.
func (c *cli) complete(args ...string) (values []string, directive string) {
	c.t.Helper()
	out, errOut, code := c.run(append([]string{"__complete"}, args...)...)
	if code != 0 {
		c.t.Fatalf("__complete %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		values = append(values, line)
	}
	return values, directive
}

func TestCompletion(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "alice", "--name", "Alice Liddell", "--tz", "Asia/Tokyo", "--language", "ja-JP")
		c.ok("user", "add", "albert", "--tz", "America/New_York", "--language", "en-US")
		c.ok("user", "add", "bob", "--tz", "Europe/Zurich", "--language", "de-CH")
		c.ok("calendar", "add", "--ics", "https://indico.example.org/category/42/events.ics", "--name", "indico", "--tz", "Europe/Zurich")
		c.ok("calendar", "add", "--ics", "https://example.org/seminars.ics", "--name", "seminars")
		c.ok("registration", "add", "--user", "bob", "--at", "2099-12-01 09:00", "--title", "Review", "--channel", "log", "--lead", "0")
		c.ok("rule", "add", "--user", "albert", "--pattern", "(?i)telecon", "--channel", "log", "--lead", "5m")
		c.ok("group", "add", "drp", "--description", "Data reduction")
		c.ok("rule", "add", "--group", "drp", "--pattern", "DRP")

		tests := []struct {
			args []string
			want []string
		}{
			{[]string{"registration", "add", "--user", "al"}, []string{"albert", "alice\tAlice Liddell"}},
			{[]string{"user", "show", ""}, []string{"albert", "alice\tAlice Liddell", "bob"}},
			{[]string{"user", "disable", "b"}, []string{"bob"}},
			{[]string{"rule", "add", "--calendar", ""}, []string{"indico\tics https://indico.example.org/category/42/events.ics", "seminars\tics https://example.org/seminars.ics"}},
			{[]string{"calendar", "remove", "sem"}, []string{"seminars\tics https://example.org/seminars.ics"}},
			{[]string{"rule", "add", "--channel", "push,c"}, []string{"push,call"}},
			{[]string{"registration", "add", "--channel", "e"}, []string{"email"}},
			{[]string{"user", "list", "-o", ""}, []string{"table", "json"}},
			{[]string{"vapid", "generate", "-o", ""}, []string{"yaml", "json"}},
			{[]string{"user", "add", "carol", "--language", ""}, []string{"en-US", "ja-JP", "de-CH"}},
			{[]string{"registration", "show", ""}, []string{"1\tbob: Review, 2099-12-01 09:00 CET (+01:00)"}},
			{[]string{"rule", "pause", ""}, []string{"1\talbert: (?i)telecon", "g1\tdrp: DRP"}},
			{[]string{"rule", "mute", ""}, []string{"g1\tdrp: DRP"}},
			{[]string{"rule", "notices", "g"}, []string{"g1\tdrp: DRP"}},
			{[]string{"rule", "add", "--group", "d"}, []string{"drp\tData reduction"}},
		}
		for _, tt := range tests {
			got, _ := c.complete(tt.args...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("complete %q: got %q; want %q", tt.args, got, tt.want)
			}
		}
		zones, directive := c.complete("registration", "add", "--tz", "")
		if len(zones) < 3 || !slices.Equal(zones[:3], []string{"America/New_York", "Asia/Tokyo", "Europe/Zurich"}) || directive != ":4" {
			t.Errorf("complete --tz: got %d zones starting %q, %s; want the users' zones first, no files (:4)", len(zones), zones[:min(len(zones), 3)], directive)
		}
		if _, err := os.Stat("/usr/share/zoneinfo/tzdata.zi"); err == nil {
			if got, _ := c.complete("user", "add", "carol", "--tz", "Europe/Ber"); !slices.Equal(got, []string{"Europe/Berlin"}) {
				t.Errorf("complete --tz Europe/Ber: got %q; want Europe/Berlin from the system's zones", got)
			}
		}
		if _, directive := c.complete("rule", "add", "--channel", "push,"); directive != ":6" {
			t.Errorf("complete --channel push,: got directive %s; want :6 (no space, no files)", directive)
		}
	})
}

// Without a database, or with one that does not answer, completion offers
// nothing, quickly, and creates no SQLite file.
func TestCompletionWithoutDatabase(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	dsn := filepath.Join(t.TempDir(), "absent.db")
	c.env = append(c.env, "PFSNOTIFY_DATABASE_DSN="+dsn)
	if got, _ := c.complete("user", "show", ""); len(got) != 0 {
		t.Errorf("got %q; want nothing", got)
	}
	if _, err := os.Stat(dsn); err == nil {
		t.Errorf("completion created %s", dsn)
	}
	// A broken config file: no completions, and no error either; the
	// completion script itself is printed all the same.
	broken := writeConfigFile(t, "broken.yaml", "log:\n  levle: debug\n", 0o600)
	if got, _ := c.complete("--config", broken, "user", "show", ""); len(got) != 0 {
		t.Errorf("with a broken config: got %q; want nothing", got)
	}
	if out := c.ok("--config", broken, "completion", "bash"); !strings.Contains(out, "__start_pfsnotify") {
		t.Errorf("completion bash with a broken config: got %.80q; want the script", out)
	}

	proxy, cfg := storetest.ThroughProxy(t, storetest.MySQLConfig(t))
	stalled := newCLI(t, cfg)
	stalled.ok("db", "migrate")
	stalled.ok("user", "add", "alice")
	proxy.Pause()
	defer proxy.Resume()
	done := make(chan []string, 1)
	go func() {
		var stdout, stderr strings.Builder
		run([]string{"__complete", "user", "show", ""}, &stdout, &stderr, stalled.env)
		done <- strings.Split(strings.TrimSpace(stdout.String()), "\n")
	}()
	select {
	case got := <-done:
		if len(got) != 1 || got[0] != ":4" {
			t.Errorf("with the database stalled: got %q; want nothing offered", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("completion with the database stalled did not return within 30s; want its deadline to end it")
	}
}
