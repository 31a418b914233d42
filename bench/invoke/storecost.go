package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// storeCost runs, one call at a time, the store calls an invoke pass over
// n due push deliveries makes, in the dispatcher's batch sizes (claims of
// 100, finishes of 64, a subscription read per claimed batch, successes
// written 64 at a time), and prints what each costs in this process and,
// on MariaDB, in the database server. No push is sent: this is the
// database's share of invoke, phase by phase, for whoever works on
// pkg/store and pkg/dispatch.
func storeCost(ctx context.Context, b *bench, n int) error {
	fake, err := b.startPushFake(ctx, n/leadsPerEvent)
	if err != nil {
		return err
	}
	defer fake.stop()
	db, remove, err := benchdb.Fresh(ctx, b.driver, b.mysqlDSN, "storecost")
	if err != nil {
		return err
	}
	defer remove()
	if err := seedDue(ctx, db, fake.subs, n); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	raw, err := sql.Open(driverName(db), driverDSN(db))
	if err != nil {
		return err
	}
	defer raw.Close()
	dbPID := 0
	if b.driver == "mysql" {
		dbPID = b.serverPID()
	}
	fmt.Printf("| %s phase | calls | statements | this process per call | database server per call | database server per delivery |\n|---|---|---|---|---|---|\n", b.driver)
	var total time.Duration // the database server's CPU in the phases of a pass
	// covers is how many deliveries the phase's calls serve (0: none).
	phase := func(name string, calls, covers int, statements string, run func() error) error {
		m := startCPU(dbPID)
		if err := run(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		procs, self := m.stop()
		total += procs[0]
		server, perDelivery := "— (SQLite is in this process)", "—"
		if dbPID > 0 {
			server = (procs[0] / time.Duration(calls)).Round(time.Microsecond).String()
			if covers > 0 {
				perDelivery = fmt.Sprintf("%.1f µs", float64(procs[0].Microseconds())/float64(covers))
			}
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", name, calls, statements, (self / time.Duration(calls)).Round(time.Microsecond),
			server, perDelivery)
		return nil
	}
	const roundTrips = 2000
	if err := phase("SELECT 1 (one round trip)", roundTrips, 0, "1", func() error {
		for range roundTrips {
			if _, err := raw.ExecContext(ctx, "SELECT 1"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	total = 0
	const batch, finishBatch = 100, 64
	if err := phase("DueNow(100): what a claim selects and loads, without claiming", 20, 20*batch, "6", func() error {
		for range 20 {
			if _, err := s.DueNow(ctx, batch); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	total = 0
	var claims []store.Claim
	if err := phase("ClaimDue(100)", n/batch, n, "~10 (tx, select for update, update, commit, 5 loads)", func() error {
		for len(claims) < n {
			c, err := s.ClaimDue(ctx, "storecost", 2*time.Minute, batch)
			if err != nil {
				return err
			}
			if len(c) == 0 {
				return fmt.Errorf("claimed %d; want %d", len(claims), n)
			}
			claims = append(claims, c...)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := phase("LivePushSubscriptionsOf(a batch's people)", n/batch, n, "1", func() error {
		for i := 0; i < len(claims); i += batch {
			var users []int64
			for _, c := range claims[i:min(i+batch, len(claims))] {
				users = append(users, c.UserID)
			}
			if _, err := s.LivePushSubscriptionsOf(ctx, users); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	finishes := (len(claims) + finishBatch - 1) / finishBatch
	if err := phase("Finish(64 sent)", finishes, n, "5 (tx, select owned for update, update, insert attempts, commit)", func() error {
		for i := 0; i < len(claims); i += finishBatch {
			var results []store.Result
			for _, c := range claims[i:min(i+finishBatch, len(claims))] {
				results = append(results, store.Result{ID: c.ID, State: store.StateSent, Target: "1 browser", Attempt: c.Attempts,
					Outcome: "sent", ProviderStatus: "201", Detail: fmt.Sprintf("subscription #%d (127.0.0.1:443): 201", c.UserID)})
			}
			lost, err := s.Finish(ctx, "storecost", results)
			if err != nil {
				return err
			}
			if len(lost) > 0 {
				return fmt.Errorf("%d claims lost", len(lost))
			}
		}
		return nil
	}); err != nil {
		return err
	}
	users := n / leadsPerEvent
	if err := phase("MarkPushSuccesses(64)", (users+finishBatch-1)/finishBatch, n, "1", func() error {
		ids := make([]int64, users)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		for i := 0; i < len(ids); i += finishBatch {
			if err := s.MarkPushSuccesses(ctx, time.Now(), ids[i:min(i+finishBatch, len(ids))]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if dbPID > 0 {
		fmt.Fprintf(os.Stderr, "%s: the database server's CPU for one pass's store calls: %.0f µs per delivery\n", b.driver,
			float64(total.Microseconds())/float64(n))
	}
	return nil
}
