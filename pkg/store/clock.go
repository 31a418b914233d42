package store

import (
	"context"
	"fmt"
	"time"
)

// The database server's own clock, in UTC.
const (
	databaseNowMySQL  = `SELECT UTC_TIMESTAMP(6)`
	databaseNowSQLite = `SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')`
)

// DatabaseNow reads the database server's clock, for `pfsnotify doctor`
// to compare with the host's: leases and due times are stamped by each
// host, so hosts (and the database) whose clocks disagree send late or
// take a claim over early. SQLite's clock is the host's own.
func (s *Store) DatabaseNow(ctx context.Context) (time.Time, error) {
	if s.dialect == MySQL {
		var t time.Time
		if err := s.db.QueryRowContext(ctx, databaseNowMySQL).Scan(&t); err != nil {
			return time.Time{}, fmt.Errorf("read the database clock: %w", err)
		}
		return t.UTC(), nil
	}
	var raw string
	if err := s.db.QueryRowContext(ctx, databaseNowSQLite).Scan(&raw); err != nil {
		return time.Time{}, fmt.Errorf("read the database clock: %w", err)
	}
	t, err := time.Parse("2006-01-02 15:04:05.000", raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the database clock: %q: %w", raw, err)
	}
	return t, nil
}
