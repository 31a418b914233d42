package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// oldHistory stores, through the store as invoke would, one reminder of
// an ad-hoc registration sent at sentAt, and returns the registration.
func oldHistory(t *testing.T, db config.Database, login string, sentAt time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := sentAt.Add(-24 * time.Hour)
	s.SetClock(func() time.Time { return now })
	u, err := s.CreateUser(ctx, store.User{Login: login, TimeZone: "UTC", Language: "en-US"})
	if err != nil {
		t.Fatal(err)
	}
	reg, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Detector review", StartAt: sentAt.Add(5 * time.Minute),
		TimeZone: "UTC", Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	now = sentAt
	claims, err := s.ClaimDue(ctx, "invoke", time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("ClaimDue = %d, %v; want 1", len(claims), err)
	}
	if _, err := s.Finish(ctx, "invoke", []store.Result{{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
		t.Fatal(err)
	}
	return reg.ID
}

func pruneBackends(t *testing.T, fn func(t *testing.T, c *cli, db config.Database)) {
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLiteConfig(t)
		fn(t, newCLI(t, db), db)
	})
	t.Run("mysql", func(t *testing.T) {
		db := storetest.MySQLConfig(t)
		fn(t, newCLI(t, db), db)
	})
}

func TestDBPrune(t *testing.T) {
	pruneBackends(t, func(t *testing.T, c *cli, db config.Database) {
		c.ok("db", "migrate")
		oldHistory(t, db, "alice", time.Now().Add(-500*24*time.Hour))
		oldHistory(t, db, "bob", time.Now().Add(-30*24*time.Hour))

		var dry pruneJSON
		c.json(&dry, "db", "prune", "--dry-run")
		wantTables := map[string]int64{"deliveries": 1, "delivery_attempts": 1, "delivery_progress": 0, "events": 0,
			"registrations": 1, "registration_unmatched": 0}
		if !dry.DryRun || !sameCounts(dry.Tables, wantTables) || dry.DeliveriesBefore == nil || dry.EventsBefore == nil {
			t.Errorf("db prune --dry-run -o json = %+v; want a dry run with %v and both cutoffs", dry, wantTables)
		}
		if want := time.Now().Add(-400 * 24 * time.Hour); dry.DeliveriesBefore != nil && dry.DeliveriesBefore.Sub(want).Abs() > time.Hour {
			t.Errorf("deliveries_before = %s; want about %s (400 days ago)", dry.DeliveriesBefore, want)
		}
		c.json(&dry, "db", "prune", "--dry-run")
		if !sameCounts(dry.Tables, wantTables) {
			t.Errorf("second dry run = %v; want %v again (the first changed nothing)", dry.Tables, wantTables)
		}

		out := c.ok("db", "prune")
		for _, want := range []string{
			"deliveries: finished, last changed before ", "(retention.deliveries: 400d)",
			"events: ended before ", "(retention.events: 400d)",
			"TABLE                   DELETED\ndeliveries              1\ndelivery_attempts       1\ndelivery_progress       0\nevents                  0\nregistrations           1\nregistration_unmatched  0\n",
			"pruned in ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("db prune printed\n%s\nwant %q in it", out, want)
			}
		}
		var regs []registrationJSON
		c.json(&regs, "registration", "list", "--all")
		if len(regs) != 1 || regs[0].User != "bob" {
			t.Errorf("registrations after db prune: %+v; want bob's (30 days old) only", regs)
		}
		c.json(&dry, "db", "prune")
		if dry.DryRun || !sameCounts(dry.Tables, map[string]int64{}) {
			t.Errorf("db prune -o json again = %+v; want nothing deleted", dry)
		}

		// Kept for ever.
		c.env = append(c.env, "PFSNOTIFY_RETENTION_DELIVERIES=0", "PFSNOTIFY_RETENTION_EVENTS=0")
		if out := c.ok("db", "prune"); !strings.Contains(out, "nothing to prune") {
			t.Errorf("db prune with both periods 0 printed %q; want nothing to prune", out)
		}
	})
}

// sameCounts compares table counts, a missing table counting as 0.
func sameCounts(got, want map[string]int64) bool {
	for _, table := range pruneTableNames {
		if got[table] != want[table] {
			return false
		}
	}
	return len(got) == len(pruneTableNames)
}

func TestCalendarSyncPrunes(t *testing.T) {
	pruneBackends(t, func(t *testing.T, c *cli, db config.Database) {
		c.ok("db", "migrate")
		regID := oldHistory(t, db, "alice", time.Now().Add(-500*24*time.Hour))
		c.env = append(c.env, "PFSNOTIFY_LOG_FORMAT=json")

		// --dry-run prunes nothing.
		if _, errOut, code := c.run("calendar-sync", "--dry-run", "-q"); code != 0 || strings.Contains(errOut, "pruned") {
			t.Fatalf("calendar-sync --dry-run: exit %d, stderr %q; want 0 and no pruning", code, errOut)
		}
		_, errOut, code := c.run("calendar-sync", "-q")
		if code != 0 {
			t.Fatalf("calendar-sync: exit %d\n%s", code, errOut)
		}
		var line map[string]any
		for l := range strings.SplitSeq(strings.TrimSpace(errOut), "\n") {
			if strings.Contains(l, `"pruned old history"`) {
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
			}
		}
		if line == nil {
			t.Fatalf("calendar-sync logged\n%s\nwant a \"pruned old history\" line", errOut)
		}
		for key, want := range map[string]any{"deliveries": 1.0, "delivery_attempts": 1.0, "registrations": 1.0, "events": 0.0, "done": true} {
			if line[key] != want {
				t.Errorf("pruned old history: %s = %#v; want %#v (%s)", key, line[key], want, errOut)
			}
		}
		if e, ok := line["elapsed"].(float64); !ok || e <= 0 || e > 10 {
			t.Errorf("pruned old history: elapsed = %#v; want seconds within the 10s budget", line["elapsed"])
		}
		if _, errOut, code := c.run("registration", "show", itoa(regID)); code == 0 {
			t.Errorf("registration #%d still shown after calendar-sync pruned it: %s", regID, errOut)
		}

		// A budget of 0: calendar-sync does not prune.
		oldHistory(t, db, "bob", time.Now().Add(-500*24*time.Hour))
		c.env = append(c.env, "PFSNOTIFY_RETENTION_CALENDAR_SYNC_BUDGET=0")
		_, errOut, _ = c.run("calendar-sync", "-q")
		if strings.Contains(errOut, "pruned") {
			t.Errorf("calendar-sync with retention.calendar_sync_budget 0 logged %q; want no pruning", errOut)
		}
		var dry pruneJSON
		c.json(&dry, "db", "prune", "--dry-run")
		if dry.Tables["deliveries"] != 1 {
			t.Errorf("after calendar-sync without a budget: %v left to prune; want bob's delivery", dry.Tables)
		}
	})
}
