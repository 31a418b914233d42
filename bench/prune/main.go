// Command prune-bench times retention on MariaDB: it seeds a fresh
// database with a past that calendar-sync and invoke would have left —
// events of long ago, 25 members registered for each, a push and a call
// reminder per registration, all finished, each with its delivery log row
// and the calls with their Twilio progress — and prunes it with
// store.Prune in batches, as "pfsnotify db prune" does. It reports the size
// of each table (data and indexes) before and after, the dry run's time,
// the whole prune's, and how long one batch holds its locks.
//
//	go run ./bench/prune                                  # 100,000 deliveries on root@tcp(127.0.0.1:3306)/
//	go run ./bench/prune -deliveries 1000000 -dsn 'user:pw@tcp(db:3306)/x'
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	members         = 200
	perEvent        = 25 // registrations per event
	perRegistration = 2  // deliveries per registration: push and call
	rowsPerInsert   = 500
)

var tables = []string{"deliveries", "delivery_attempts", "delivery_progress", "registrations", "events"}

func main() {
	dsn := flag.String("dsn", envOr("PFSNOTIFY_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), "MySQL DSN of a server where databases may be created")
	deliveries := flag.Int("deliveries", 100_000, "finished deliveries to seed and prune")
	batch := flag.Int("batch", 500, "rows per prune batch (retention.batch_size)")
	flag.Parse()
	if err := run(context.Background(), *dsn, *deliveries, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "prune-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn string, deliveries, batch int) error {
	db, remove, err := benchdb.Fresh(ctx, "mysql", dsn, "prune")
	if err != nil {
		return err
	}
	defer remove()
	mc, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		return err
	}
	mc.ParseTime, mc.Loc = true, time.UTC
	raw, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		return err
	}
	defer raw.Close()

	start := time.Now()
	if err := seed(ctx, raw, deliveries); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d finished deliveries in %s\n", deliveries, time.Since(start).Round(time.Millisecond))
	before, err := sizes(ctx, raw, mc.DBName)
	if err != nil {
		return err
	}

	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	opts := store.PruneOptionsFor(config.Retention{Deliveries: 400 * config.Day, Events: 400 * config.Day, BatchSize: batch}, time.Now())
	start = time.Now()
	dry, err := s.CountPrunable(ctx, opts)
	if err != nil {
		return err
	}
	dryTime := time.Since(start)

	// One batch a call, to time each: what a batch holds its locks for.
	opts.MaxBatches = 1
	var total store.PruneCounts
	var batches []time.Duration
	start = time.Now()
	for {
		t := time.Now()
		c, done, err := s.Prune(ctx, opts)
		if err != nil {
			return err
		}
		if c != (store.PruneCounts{}) {
			batches = append(batches, time.Since(t))
			total = add(total, c)
		}
		if done {
			break
		}
	}
	pruneTime := time.Since(start)
	if total != dry {
		return fmt.Errorf("pruned %+v; the dry run said %+v", total, dry)
	}
	after, err := sizes(ctx, raw, mc.DBName)
	if err != nil {
		return err
	}

	fmt.Printf("\n| table | rows before | MB before (data + indexes) | rows pruned | MB after |\n|---|---|---|---|---|\n")
	pruned := map[string]int64{"deliveries": total.Deliveries, "delivery_attempts": total.DeliveryAttempts,
		"delivery_progress": total.DeliveryProgress, "registrations": total.Registrations, "events": total.Events}
	var sumBefore, sumAfter float64
	for _, t := range tables {
		fmt.Printf("| %s | %d | %.1f | %d | %.1f |\n", t, before[t].rows, before[t].mb, pruned[t], after[t].mb)
		sumBefore, sumAfter = sumBefore+before[t].mb, sumAfter+after[t].mb
	}
	fmt.Printf("| all | | %.1f | | %.1f |\n\n", sumBefore, sumAfter)
	slices.Sort(batches)
	fmt.Printf("dry run (CountPrunable): %s\n", dryTime.Round(time.Millisecond))
	fmt.Printf("prune: %s in %d batches of up to %d rows (%.0f deliveries/s); a batch: median %s, p99 %s, max %s\n",
		pruneTime.Round(time.Millisecond), len(batches), batch, float64(total.Deliveries)/pruneTime.Seconds(),
		pct(batches, 50), pct(batches, 99), batches[len(batches)-1].Round(time.Microsecond))
	return nil
}

// seed writes the past: one calendar, events 500 days ago and before,
// members registered for each, and their finished reminders.
func seed(ctx context.Context, raw *sql.DB, deliveries int) error {
	past := time.Now().UTC().Add(-500 * 24 * time.Hour).Truncate(time.Second)
	regs := deliveries / perRegistration
	events := (regs + perEvent - 1) / perEvent
	if _, err := raw.ExecContext(ctx, `INSERT INTO calendars (id, name, kind, source, time_zone, created_at, updated_at)
VALUES (1, 'indico', 'ics', 'https://indico.example.org/export.ics', 'UTC', ?, ?)`, past, past); err != nil {
		return err
	}
	rows := func(table, columns string, n int, row func(i int) []any) error {
		for from := 0; from < n; from += rowsPerInsert {
			to := min(from+rowsPerInsert, n)
			var b strings.Builder
			var args []any
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, columns)
			for i := from; i < to; i++ {
				r := row(i)
				if i > from {
					b.WriteString(", ")
				}
				b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
				args = append(args, r...)
			}
			if _, err := raw.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	}
	startOf := func(event int) time.Time { return past.Add(-time.Duration(event) * 3 * time.Hour) }
	if err := rows("users", "id, login, time_zone, language, created_at, updated_at", members, func(i int) []any {
		return []any{i + 1, fmt.Sprintf("member%03d", i), "UTC", "en-US", past, past}
	}); err != nil {
		return err
	}
	if err := rows("events", "id, calendar_id, external_id, title, description, location, url, start_at, end_at, time_zone, created_at, updated_at",
		events, func(i int) []any {
			return []any{i + 1, 1, fmt.Sprintf("event-%d@indico", i), "Weekly telecon", "", "", "", startOf(i), startOf(i).Add(time.Hour), "UTC", past, past}
		}); err != nil {
		return err
	}
	if err := rows("registrations", "id, user_id, event_id, origin, title, message, start_at, time_zone, channels, leads, created_by, created_at, updated_at",
		regs, func(i int) []any {
			ev := i / perEvent
			return []any{i + 1, (i%members+ev)%members + 1, ev + 1, "manual", "Weekly telecon", "", startOf(ev), "UTC", "push,call", "600", "bench", past, past}
		}); err != nil {
		return err
	}
	channels := []string{"push", "call"}
	states := []string{"sent", "acknowledged", "sent", "failed"}
	if err := rows("deliveries", "id, registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state, attempts, next_attempt_at, target, token, sent_at, created_at, updated_at",
		deliveries, func(i int) []any {
			reg := i / perRegistration
			ev := reg / perEvent
			due := startOf(ev).Add(-10 * time.Minute)
			return []any{i + 1, reg + 1, (reg%members+ev)%members + 1, "reminder", channels[i%2], 600, startOf(ev), due,
				states[(i/2)%len(states)], 1, due, "+41227676111", fmt.Sprintf("%043d", i), due, due.Add(-24 * time.Hour), due.Add(time.Minute)}
		}); err != nil {
		return err
	}
	if err := rows("delivery_attempts", "delivery_id, attempt, at, outcome, provider_status, detail", deliveries, func(i int) []any {
		return []any{i + 1, 1, past, "sent", "201", "accepted by the push service"}
	}); err != nil {
		return err
	}
	return rows("delivery_progress", "delivery_id, provider_ref, last_sequence, last_status, answered_by, reports, created_at, updated_at",
		deliveries/2, func(i int) []any {
			return []any{2*i + 2, fmt.Sprintf("CA%032d", i), 3, "completed", "human", 4, past, past}
		})
}

type size struct {
	rows int64
	mb   float64
}

// sizes reads each table's row count and its data and index size, after
// ANALYZE TABLE has brought InnoDB's statistics up to date.
func sizes(ctx context.Context, raw *sql.DB, schema string) (map[string]size, error) {
	out := map[string]size{}
	for _, t := range tables {
		if _, err := raw.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return nil, err
		}
		var n, bytes int64
		if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		if err := raw.QueryRowContext(ctx, `SELECT data_length + index_length FROM information_schema.tables
WHERE table_schema = ? AND table_name = ?`, schema, t).Scan(&bytes); err != nil {
			return nil, err
		}
		out[t] = size{rows: n, mb: float64(bytes) / (1 << 20)}
	}
	return out, nil
}

func add(a, b store.PruneCounts) store.PruneCounts {
	a.Deliveries += b.Deliveries
	a.DeliveryAttempts += b.DeliveryAttempts
	a.DeliveryProgress += b.DeliveryProgress
	a.Events += b.Events
	a.Registrations += b.Registrations
	a.RegistrationUnmatched += b.RegistrationUnmatched
	a.RegistrationsDetached += b.RegistrationsDetached
	return a
}

// pct is the p-th percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100].Round(time.Microsecond)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
