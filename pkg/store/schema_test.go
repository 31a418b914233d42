package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// The unique key (registration, kind, occurrence, channel, lead) must make a
// second copy of a reminder impossible to insert, whatever code tries.
func TestDeliveryUniqueKey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		u := addUser(t, s, "alice", "UTC")
		start := testNow.Add(time.Hour)
		reg, created, _, err := s.Register(ctx, adHoc(u.ID, start, []schedule.Channel{schedule.ChannelCall}, 5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		d := created[0]
		const insert = `INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state,
next_attempt_at, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		err = s.Exec(ctx, insert, reg.ID, u.ID, "reminder", "call", 300, d.OccurrenceAt, d.DueAt, "pending", d.DueAt,
			strings.Repeat("x", 43), testNow, testNow)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("inserting the same reminder again: got %v; want a unique-key violation", err)
		}
		err = s.Exec(ctx, insert, reg.ID, u.ID, "reminder", "call", 120, d.OccurrenceAt, d.DueAt, "pending", d.DueAt,
			d.Token, testNow, testNow)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("reusing a token: got %v; want a unique-key violation", err)
		}
	})
}

// "What is due now" must be read through the deliveries_due index, in
// index order, without scanning history or sorting: on MySQL, FOR UPDATE
// SKIP LOCKED claims nothing useful behind a filesort (DEPENDENCIES.md).
func TestDueQueryUsesIndex(t *testing.T) {
	const due = `SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 50`
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		got := planOf(t, s, due, testNow)
		if !strings.Contains(got, "deliveries_due") || strings.Contains(got, "filesort") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("got plan %q; want deliveries_due and no sort", got)
		}
	})
}

// The registrations of one message or group rule are found through
// registrations_origin, not by reading them all.
func TestOriginQueryUsesIndex(t *testing.T) {
	const byOrigin = `SELECT id FROM registrations WHERE origin = ? AND status = ?`
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		if got := planOf(t, s, byOrigin, "message:1", "active"); !strings.Contains(got, "registrations_origin") {
			t.Errorf("got plan %q; want registrations_origin", got)
		}
	})
}

// planOf is the database's plan for query, its rows joined by "; ".
func planOf(t *testing.T, s *store.Store, query string, args ...any) string {
	t.Helper()
	explain := "EXPLAIN "
	if s.Dialect() == store.SQLite {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.QueryStrings(context.Background(), explain+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for _, r := range rows {
		plan = append(plan, strings.Join(r, " "))
	}
	return strings.Join(plan, "; ")
}
