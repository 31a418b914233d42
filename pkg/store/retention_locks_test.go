package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestPruneNeverBlocksInvoke runs what invoke does — claim what is due,
// record the outcome with its log rows — and what the panel and
// calendar-sync do — register, which adds deliveries — from another
// connection while a prune batch holds its locks, on MySQL (SQLite has
// one writer: a batch is short, and that is all). That connection waits
// at most a second for a lock and then fails, so a wait shows as an error,
// not as a slow test.
func TestPruneNeverBlocksInvoke(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.MySQLConfig(t)
	s := storetest.Open(t, cfg)
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["innodb_lock_wait_timeout"] = "1"
	other := cfg
	other.DSN = mc.FormatDSN()
	invoke, err := store.Open(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer invoke.Close()
	invoke.SetClock(func() time.Time { return testNow })

	h := newHistory(t, s)
	old := testNow.Add(-500 * 24 * time.Hour)
	var oldRegs []int64
	for i := range 10 {
		_, reg := h.event(old.Add(time.Duration(i) * time.Hour))
		oldRegs = append(oldRegs, reg.ID)
	}
	h.send(old.Add(12*time.Hour), store.StateSent, oldRegs...)
	// Recent history, kept: a live installation's. (On a table of a few
	// rows the optimizer scans the whole table for the claim's UPDATE ...
	// WHERE id IN, and a locking scan waits on every row anyone holds.)
	var recent []int64
	for i := range 40 {
		recent = append(recent, h.adHoc(testNow.Add(-time.Duration(i+2)*time.Hour)).ID)
	}
	h.send(testNow.Add(-time.Hour), store.StateSent, recent...)
	// Due now: the claim's range (pending, next_attempt_at) ends just
	// before the finished rows the batch locks, so the claim reads onto one.
	var due []int64
	for range 4 {
		due = append(due, h.adHoc(testNow.Add(5*time.Minute)).ID)
	}
	h.now = testNow

	ran := false
	s.SetPruneHook(func(table string) {
		if table != "deliveries" || ran {
			return
		}
		ran = true
		claims, err := invoke.ClaimDue(ctx, "invoke-2", time.Minute, 100)
		if err != nil || len(claims) != len(due) {
			t.Errorf("ClaimDue during a prune batch = %d claims, %v; want %d, no wait", len(claims), err, len(due))
			return
		}
		var results []store.Result
		for _, c := range claims {
			results = append(results, store.Result{ID: c.ID, State: store.StateSent, Target: "browser", Attempt: 1, Outcome: "sent"})
		}
		if lost, err := invoke.Finish(ctx, "invoke-2", results); err != nil || len(lost) != 0 {
			t.Errorf("Finish during a prune batch = lost %v, %v; want none lost, no wait", lost, err)
		}
		if _, _, _, err := invoke.Register(ctx, adHoc(h.alice.ID, testNow.Add(time.Hour), []schedule.Channel{schedule.ChannelPush}, 10*time.Minute)); err != nil {
			t.Errorf("Register during a prune batch: %v; want no wait", err)
		}
	})
	got, done, err := s.Prune(ctx, store.PruneOptionsFor(config.Retention{Deliveries: 400 * config.Day, BatchSize: 100}, testNow))
	if err != nil || !done || got.Deliveries != 10 {
		t.Fatalf("Prune = %+v, done %v, %v; want 10 deliveries", got, done, err)
	}
	if !ran {
		t.Fatal("the prune batch did not call its hook")
	}
	if n := countRows(t, s, "deliveries", "state = ?", store.StateSent); n != len(recent)+len(due) {
		t.Errorf("sent deliveries after: %d; want the %d recent and the %d sent during the batch", n, len(recent), len(due))
	}
	if n := countRows(t, s, "deliveries", "state = ?", store.StatePending); n != 1 {
		t.Errorf("pending deliveries after: %d; want the 1 registered during the batch", n)
	}
}
