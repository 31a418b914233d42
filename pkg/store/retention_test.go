package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// historyBuilder builds a database that has run for a while: s's clock moves
// through it, and every row is made the way the programs make it.
type historyBuilder struct {
	t     *testing.T
	s     *store.Store
	now   time.Time
	alice store.User
	cal   store.Calendar
	n     int
}

func newHistory(t *testing.T, s *store.Store) *historyBuilder {
	h := &historyBuilder{t: t, s: s, now: testNow}
	s.SetClock(func() time.Time { return h.now })
	h.alice = addUser(t, s, "alice", "UTC")
	h.cal = mkCalendar(t, s, "indico")
	return h
}

// event stores an event starting at start, registers alice for it by
// push a day before with a 10-minute lead, and returns both.
func (h *historyBuilder) event(start time.Time) (store.Event, store.Registration) {
	h.t.Helper()
	h.n++
	h.now = start.Add(-24 * time.Hour)
	ev := mkEvent(h.t, h.s, h.cal.ID, fmt.Sprintf("ev-%d", h.n), "Weekly telecon", start)
	reg, _, _, err := h.s.Register(context.Background(), store.NewRegistration{
		UserID: h.alice.ID, EventID: ev.ID, Channels: []schedule.Channel{schedule.ChannelPush},
		Leads: []time.Duration{10 * time.Minute}, CreatedBy: "test",
	})
	if err != nil {
		h.t.Fatalf("Register for event %s: %v", ev.ExternalID, err)
	}
	return ev, reg
}

// adHoc registers alice for an instant, by push with a 10-minute lead.
func (h *historyBuilder) adHoc(start time.Time) store.Registration {
	h.t.Helper()
	h.now = start.Add(-24 * time.Hour)
	reg, _, _, err := h.s.Register(context.Background(), adHoc(h.alice.ID, start, []schedule.Channel{schedule.ChannelPush}, 10*time.Minute))
	if err != nil {
		h.t.Fatalf("Register at %s: %v", start, err)
	}
	return reg
}

// send claims, at instant at, every delivery due then, finishes those of
// the registrations regs in state, and gives the others back.
func (h *historyBuilder) send(at time.Time, state store.DeliveryState, regs ...int64) []int64 {
	h.t.Helper()
	ctx := context.Background()
	h.now = at
	claims, err := h.s.ClaimDue(ctx, "invoke", time.Minute, 1000)
	if err != nil {
		h.t.Fatalf("ClaimDue: %v", err)
	}
	var results []store.Result
	var ids, others []int64
	for _, c := range claims {
		if !slices.Contains(regs, c.RegistrationID) {
			others = append(others, c.ID)
			continue
		}
		results = append(results, store.Result{ID: c.ID, State: state, NextAttemptAt: c.NextAttemptAt, Target: "browser",
			Attempt: c.Attempts, Outcome: string(state)})
		ids = append(ids, c.ID)
	}
	if len(ids) != len(regs) {
		h.t.Fatalf("at %s: %d deliveries of %v due; want %d", at, len(ids), regs, len(regs))
	}
	if _, err := h.s.Finish(ctx, "invoke", results); err != nil {
		h.t.Fatalf("Finish: %v", err)
	}
	if err := h.s.Release(ctx, "invoke", others); err != nil {
		h.t.Fatalf("Release: %v", err)
	}
	return ids
}

// countRows returns the rows of table, or of table WHERE where.
func countRows(t *testing.T, s *store.Store, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := s.QueryStrings(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var n int
	fmt.Sscan(rows[0][0], &n)
	return n
}

func rowsPerTable(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"users", "rules", "calendars", "events", "registrations", "registration_unmatched",
		"deliveries", "delivery_attempts", "delivery_progress", "push_subscriptions"} {
		out[table] = countRows(t, s, table, "")
	}
	return out
}

func TestPrune(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := newHistory(t, s)
		mkRule(t, s, h.alice.ID, "(?i)telecon", h.cal.ID)
		mkPushSubscription(t, s, h.alice.ID, "https://push.example.net/old")
		old := testNow.Add(-500 * 24 * time.Hour)
		recent := testNow.Add(-10 * 24 * time.Hour)

		// An old ad-hoc registration: its delivery, then itself, go.
		oldAdHoc := h.adHoc(old.Add(-3 * time.Hour))
		h.send(old.Add(-3*time.Hour-5*time.Minute), store.StateSent, oldAdHoc.ID)
		// A cancelled old ad-hoc registration, its reminder cancelled.
		cancelledAdHoc := h.adHoc(old.Add(-2 * time.Hour))
		if _, err := s.CancelRegistrations(ctx, []int64{cancelledAdHoc.ID}, 0); err != nil {
			t.Fatal(err)
		}
		// An old event, reminded of long ago: all of it goes.
		oldEvent, oldReg := h.event(old)
		sentOld := h.send(old.Add(-5*time.Minute), store.StateSent, oldReg.ID)
		if err := s.Exec(ctx, `INSERT INTO delivery_progress (delivery_id, provider_ref, last_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			sentOld[0], "CA0001", "completed", old, old); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, `INSERT INTO registration_unmatched (registration_id, unmatched_at) VALUES (?, ?)`, oldReg.ID, old); err != nil {
			t.Fatal(err)
		}
		// An old event whose reminder was never sent: invoke has it to do.
		pendingEvent, pendingReg := h.event(old.Add(time.Hour))
		// An old event whose reminder failed only lately (invoke was down):
		// the event goes, the registration stays for its delivery.
		lateEvent, lateReg := h.event(old.Add(2 * time.Hour))
		h.send(recent.Add(-time.Hour), store.StateFailed, lateReg.ID)
		// Recent history stays.
		recentEvent, recentReg := h.event(recent)
		h.send(recent.Add(-5*time.Minute), store.StateSent, recentReg.ID)
		recentAdHoc := h.adHoc(recent.Add(time.Hour))
		h.send(recent.Add(55*time.Minute), store.StateSent, recentAdHoc.ID)

		h.now = testNow
		opts := store.PruneOptionsFor(config.Retention{Deliveries: 400 * config.Day, Events: 400 * config.Day, BatchSize: 2}, testNow)
		want := store.PruneCounts{
			Deliveries: 3, DeliveryAttempts: 2, DeliveryProgress: 1, // the old event's and ad-hoc sent, the cancelled one
			Events: 2, Registrations: 3, RegistrationUnmatched: 1, RegistrationsDetached: 1,
		}
		before := rowsPerTable(t, s)
		dry, err := s.CountPrunable(ctx, opts)
		if err != nil {
			t.Fatalf("CountPrunable: %v", err)
		}
		if dry != want {
			t.Errorf("CountPrunable = %+v; want %+v", dry, want)
		}
		if after := rowsPerTable(t, s); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("CountPrunable changed the tables: %v; before %v", after, before)
		}

		got, done, err := s.Prune(ctx, opts)
		if err != nil || !done {
			t.Fatalf("Prune = %+v, done %v, %v; want done", got, done, err)
		}
		if got != want {
			t.Errorf("Prune = %+v; want %+v", got, want)
		}

		exists := func(table string, id int64) bool { return countRows(t, s, table, "id = ?", id) == 1 }
		for _, c := range []struct {
			what  string
			table string
			id    int64
			want  bool
		}{
			{"old event", "events", oldEvent.ID, false},
			{"its registration", "registrations", oldReg.ID, false},
			{"old event with a pending reminder", "events", pendingEvent.ID, true},
			{"its registration", "registrations", pendingReg.ID, true},
			{"old event with a late failure", "events", lateEvent.ID, false},
			{"its registration, kept for the failure", "registrations", lateReg.ID, true},
			{"old ad-hoc registration", "registrations", oldAdHoc.ID, false},
			{"cancelled old ad-hoc registration", "registrations", cancelledAdHoc.ID, false},
			{"recent event", "events", recentEvent.ID, true},
			{"its registration", "registrations", recentReg.ID, true},
			{"recent ad-hoc registration", "registrations", recentAdHoc.ID, true},
		} {
			if got := exists(c.table, c.id); got != c.want {
				t.Errorf("%s (%s #%d) exists: %v; want %v", c.what, c.table, c.id, got, c.want)
			}
		}
		if n := countRows(t, s, "deliveries", "registration_id = ? AND state = ?", pendingReg.ID, store.StatePending); n != 1 {
			t.Errorf("pending deliveries of the old event: %d; want 1", n)
		}
		if n := countRows(t, s, "registrations", "id = ? AND event_id IS NULL", lateReg.ID); n != 1 {
			t.Errorf("late registration is not detached from its pruned event")
		}
		if n := countRows(t, s, "deliveries", "registration_id = ?", lateReg.ID); n != 1 {
			t.Errorf("late failure's deliveries: %d; want 1 (changed 10 days ago)", n)
		}
		after := rowsPerTable(t, s)
		for _, table := range []string{"users", "rules", "calendars", "push_subscriptions"} {
			if after[table] != before[table] {
				t.Errorf("%s: %d rows after Prune; want %d (never pruned)", table, after[table], before[table])
			}
		}

		// Nothing is left to do; a second run deletes nothing.
		if again, done, err := s.Prune(ctx, opts); err != nil || !done || again != (store.PruneCounts{}) {
			t.Errorf("second Prune = %+v, done %v, %v; want nothing, done", again, done, err)
		}
		if dry, err := s.CountPrunable(ctx, opts); err != nil || dry != (store.PruneCounts{}) {
			t.Errorf("CountPrunable after Prune = %+v, %v; want nothing", dry, err)
		}
		// With deliveries kept a day, the late failure goes, and with it its
		// detached registration; the recent deliveries go, their
		// registrations stay for retention.events.
		opts = store.PruneOptionsFor(config.Retention{Deliveries: config.Day, Events: 400 * config.Day}, testNow)
		if got, _, err := s.Prune(ctx, opts); err != nil || got != (store.PruneCounts{Deliveries: 3, DeliveryAttempts: 3, Registrations: 1}) {
			t.Errorf("Prune(deliveries: 1d) = %+v, %v; want 3 deliveries, 3 attempts, the late registration", got, err)
		}
		if exists("registrations", lateReg.ID) || !exists("registrations", recentReg.ID) || !exists("events", pendingEvent.ID) {
			t.Errorf("after Prune(deliveries: 1d): late registration %v, recent %v, pending event %v; want false, true, true",
				exists("registrations", lateReg.ID), exists("registrations", recentReg.ID), exists("events", pendingEvent.ID))
		}
	})
}

func TestPruneKeepsForEver(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := newHistory(t, s)
		old := testNow.Add(-5000 * 24 * time.Hour)
		_, reg := h.event(old)
		h.send(old.Add(-5*time.Minute), store.StateSent, reg.ID)
		h.adHoc(old.Add(time.Hour))
		h.now = testNow
		before := rowsPerTable(t, s)

		// Deliveries kept for ever: the event goes, its registration is
		// kept detached for the delivery; the ad-hoc one (no delivery sent,
		// its reminder still pending) stays.
		opts := store.PruneOptionsFor(config.Retention{Events: 400 * config.Day}, testNow)
		got, done, err := s.Prune(ctx, opts)
		if want := (store.PruneCounts{Events: 1, RegistrationsDetached: 1}); err != nil || !done || got != want {
			t.Errorf("Prune(deliveries for ever) = %+v, %v, %v; want %+v", got, done, err, want)
		}
		if n := countRows(t, s, "registrations", "id = ? AND event_id IS NULL", reg.ID); n != 1 {
			t.Errorf("registration of the pruned event: not kept detached")
		}
		after := rowsPerTable(t, s)
		if after["deliveries"] != before["deliveries"] || after["delivery_attempts"] != before["delivery_attempts"] {
			t.Errorf("deliveries %d, attempts %d after Prune; want %d, %d (kept for ever)",
				after["deliveries"], after["delivery_attempts"], before["deliveries"], before["delivery_attempts"])
		}

		// Both for ever: nothing at all.
		if got, done, err := s.Prune(ctx, store.PruneOptionsFor(config.Retention{}, testNow)); err != nil || !done || got != (store.PruneCounts{}) {
			t.Errorf("Prune(all for ever) = %+v, %v, %v; want nothing", got, done, err)
		}
	})
}

func TestPruneInBatches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := newHistory(t, s)
		old := testNow.Add(-500 * 24 * time.Hour)
		var regs []int64
		for i := range 7 {
			_, reg := h.event(old.Add(time.Duration(i) * time.Hour))
			regs = append(regs, reg.ID)
		}
		h.send(old.Add(10*time.Hour), store.StateSent, regs...)
		h.now = testNow
		opts := store.PruneOptionsFor(config.Retention{Deliveries: 400 * config.Day, Events: 400 * config.Day, BatchSize: 3}, testNow)
		var tables []string
		s.SetPruneHook(func(table string) { tables = append(tables, table) })

		// Two batches: 3 deliveries, then 3 more; more is left.
		opts.MaxBatches = 2
		got, done, err := s.Prune(ctx, opts)
		if err != nil || done || got.Deliveries != 6 || got.Events != 0 {
			t.Errorf("Prune(2 batches of 3) = %+v, done %v, %v; want 6 deliveries, not done", got, done, err)
		}
		// The rest: 1 delivery (a short batch ends the phase), then 7
		// events of one registration each, 3 a batch.
		opts.MaxBatches = 0
		got, done, err = s.Prune(ctx, opts)
		if want := (store.PruneCounts{Deliveries: 1, DeliveryAttempts: 1, Events: 7, Registrations: 7}); err != nil || !done || got != want {
			t.Errorf("Prune(the rest) = %+v, done %v, %v; want %+v, done", got, done, err, want)
		}
		wantTables := "[deliveries deliveries deliveries events events events]"
		if fmt.Sprint(tables) != wantTables {
			t.Errorf("batches: %v; want %s", tables, wantTables)
		}
	})
}

func TestPruneBoundsRegistrationsPerBatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := newHistory(t, s)
		old := testNow.Add(-500 * 24 * time.Hour)
		ev, _ := h.event(old)
		for _, login := range []string{"bob", "carol", "dave"} {
			u := addUser(t, s, login, "UTC")
			if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, EventID: ev.ID, Channels: []schedule.Channel{schedule.ChannelPush},
				Leads: []time.Duration{10 * time.Minute}, CreatedBy: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		h.event(old.Add(time.Hour))
		h.event(old.Add(2 * time.Hour))
		h.now = testNow
		if err := s.Exec(ctx, `DELETE FROM deliveries`); err != nil { // none left, as after the deliveries phase
			t.Fatal(err)
		}
		var batches []string
		s.SetPruneHook(func(table string) { batches = append(batches, table) })
		opts := store.PruneOptionsFor(config.Retention{Events: 400 * config.Day, BatchSize: 2}, testNow)
		got, done, err := s.Prune(ctx, opts)
		if want := (store.PruneCounts{Events: 3, Registrations: 6}); err != nil || !done || got != want {
			t.Errorf("Prune = %+v, done %v, %v; want %+v", got, done, err, want)
		}
		// The first event alone (4 registrations: more than a batch, but at
		// least one event a batch), then the two others.
		if want := "[events events]"; fmt.Sprint(batches) != want {
			t.Errorf("batches %v; want %s", batches, want)
		}
	})
}

// What a prune batch deletes is found through an index, in its order,
// without a sort: history is large, and a batch must stay short.
func TestPruneQueriesUseIndexes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		for _, q := range []struct {
			query string
			args  []any
			index string
		}{
			{store.PrunableDeliveriesSQL, []any{store.StateSent, testNow, testNow, 500}, "deliveries_due"},
			{store.PrunableEventsSQL, []any{testNow, testNow, store.StatePending, store.StateSending, 500}, "events_start"},
			{store.PrunableRegistrationsSQL, []any{testNow, 500}, "registrations_start"},
		} {
			got := planOf(t, s, q.query, q.args...)
			if !strings.Contains(got, q.index) || strings.Contains(got, "filesort") || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("plan of %q:\n%s\nwant %s and no sort", q.query, got, q.index)
			}
		}
	})
}
