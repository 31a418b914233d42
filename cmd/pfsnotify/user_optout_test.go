package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestUserShowSMSOptOut: user show says that a person's number opted out
// of texts (it answered STOP), and stops saying so after START.
func TestUserShowSMSOptOut(t *testing.T) {
	for _, b := range []struct {
		name string
		db   func(*testing.T) config.Database
	}{{"sqlite", storetest.SQLiteConfig}, {"mysql", storetest.MySQLConfig}} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.db(t)
			c := newCLI(t, db)
			c.ok("db", "migrate")
			c.ok("user", "add", "alice", "--phone", "+41 22 767 61 11", "--tz", "UTC")
			s, err := store.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.SetSMSOptOut(ctx, "+41227676111", true, "stop"); err != nil {
				t.Fatal(err)
			}
			if out := c.ok("user", "show", "alice"); !strings.Contains(out, "+41227676111 (opted out of texts: stop, ") {
				t.Errorf("user show after STOP: got\n%s\nwant the phone marked opted out", out)
			}
			var shown userJSON
			if c.json(&shown, "user", "show", "alice"); !shown.SMSOptedOut {
				t.Errorf("user show -o json after STOP: got %+v; want sms_opted_out", shown)
			}
			if _, err := s.SetSMSOptOut(ctx, "+41227676111", false, "start"); err != nil {
				t.Fatal(err)
			}
			if out := c.ok("user", "show", "alice"); strings.Contains(out, "opted out") {
				t.Errorf("user show after START: got\n%s\nwant no opt-out", out)
			}
		})
	}
}
