package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// idle measures "pfsnotify invoke" with nothing due over a history of n
// finished deliveries: the "what is due" queries must not scan history.
func idle(ctx context.Context, b *bench, n int) (time.Duration, error) {
	db, remove, err := benchdb.Fresh(ctx, b.driver, b.mysqlDSN, fmt.Sprintf("idle_%d", n))
	if err != nil {
		return 0, err
	}
	defer remove()
	if err := seedHistory(ctx, db, n); err != nil {
		return 0, fmt.Errorf("seed %d deliveries: %w", n, err)
	}
	return b.timeInvoke(ctx, db, b.runs)
}

// seedHistory adds one user, one registration and n sent deliveries.
func seedHistory(ctx context.Context, db config.Database, n int) error {
	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, store.User{Login: "history", TimeZone: "UTC", Language: "en-US"})
	if err != nil {
		return err
	}
	raw, err := sql.Open(driverName(db), driverDSN(db))
	if err != nil {
		return err
	}
	defer raw.Close()
	past := "2020-01-01 00:00:00"
	if _, err := raw.ExecContext(ctx, `INSERT INTO registrations (user_id, origin, title, message, start_at, time_zone, channels, leads,
status, created_by, created_at, updated_at) VALUES (?, 'manual', 'history', '', ?, 'UTC', 'push', '600', 'active', 'bench', ?, ?)`,
		u.ID, past, past, past); err != nil {
		return err
	}
	// One statement makes every row: the server generates the sequence.
	var insert string
	switch db.Driver {
	case "mysql":
		insert = fmt.Sprintf(`INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at,
state, attempts, next_attempt_at, token, sent_at, created_at, updated_at)
SELECT 1, %d, 'reminder', 'push', 600, '2020-01-01' + INTERVAL seq MINUTE, '2020-01-01' + INTERVAL seq MINUTE,
'sent', 1, '2020-01-01' + INTERVAL seq MINUTE, LPAD(seq, 43, '0'), '2020-01-01' + INTERVAL seq MINUTE, NOW(6), NOW(6)
FROM seq_1_to_%d`, u.ID, n)
	default:
		insert = fmt.Sprintf(`WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < %d)
INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at,
state, attempts, next_attempt_at, token, sent_at, created_at, updated_at)
SELECT 1, %d, 'reminder', 'push', 600, strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2020-01-01', '+' || x || ' minutes'),
strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2020-01-01', '+' || x || ' minutes'), 'sent', 1,
strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2020-01-01', '+' || x || ' minutes'), printf('%%043d', x),
strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2020-01-01', '+' || x || ' minutes'), '2020-01-01 00:00:00+00:00', '2020-01-01 00:00:00+00:00'
FROM seq`, n, u.ID)
	}
	if _, err := raw.ExecContext(ctx, insert); err != nil {
		return err
	}
	var count int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries`).Scan(&count); err != nil {
		return err
	}
	if count != n {
		return fmt.Errorf("seeded %d deliveries; want %d", count, n)
	}
	if db.Driver == "mysql" {
		_, err = raw.ExecContext(ctx, `ANALYZE TABLE deliveries`)
	}
	return err
}
