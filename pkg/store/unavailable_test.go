package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestUnavailable: what says "the database could not be reached or did
// not answer in time", wrapped as the store wraps it, and what does not.
func TestUnavailable(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("list inbox: %w", err) }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a deadline", wrap(context.DeadlineExceeded), true},
		{"the caller gave up", wrap(context.Canceled), false},
		{"a bad connection", wrap(driver.ErrBadConn), true},
		{"a connection already closed", wrap(sql.ErrConnDone), true},
		{"the driver's invalid connection", wrap(mysql.ErrInvalidConn), true},
		{"connection refused", wrap(refused), true},
		{"too many connections", wrap(&mysql.MySQLError{Number: 1040}), true},
		{"server shutting down", wrap(&mysql.MySQLError{Number: 1053}), true},
		{"too many connections of the user", wrap(&mysql.MySQLError{Number: 1203}), true},
		{"lock wait timeout", wrap(&mysql.MySQLError{Number: 1205}), true},
		{"connection killed", wrap(&mysql.MySQLError{Number: 1927}), true},
		{"MariaDB statement timeout", wrap(&mysql.MySQLError{Number: 1969}), true},
		{"MySQL statement timeout", wrap(&mysql.MySQLError{Number: 3024}), true},
		{"cannot connect (2002)", wrap(&mysql.MySQLError{Number: 2002}), true},
		{"cannot connect (2003)", wrap(&mysql.MySQLError{Number: 2003}), true},
		{"server gone away", wrap(&mysql.MySQLError{Number: 2006}), true},
		{"lost connection during a query", wrap(&mysql.MySQLError{Number: 2013}), true},
		{"a duplicate key", wrap(&mysql.MySQLError{Number: 1062}), false},
		{"a deadlock", wrap(&mysql.MySQLError{Number: 1213}), false},
		{"no such table", wrap(&mysql.MySQLError{Number: 1146}), false},
		{"access denied", wrap(&mysql.MySQLError{Number: 1045}), false},
		{"not found", wrap(store.ErrNotFound), false},
		{"a schema behind", wrap(store.ErrSchemaBehind), false},
		{"no rows", wrap(sql.ErrNoRows), false},
		{"a transaction already done", wrap(sql.ErrTxDone), false},
		{"end of file", wrap(io.EOF), false},
		{"joined with a deadline", errors.Join(errors.New("rollback"), context.DeadlineExceeded), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.Unavailable(tt.err); got != tt.want {
				t.Errorf("Unavailable(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestUnavailableSQLite: the errors of a real SQLite database. Another
// connection's write transaction makes a writer without a busy timeout
// fail with SQLITE_BUSY (unavailable); a constraint is not.
func TestUnavailableSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := "file:" + filepath.Join(t.TempDir(), "busy.db") + "?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)&_txlock=immediate"
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder, writer := open(), open()
	if _, err := holder.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "INSERT INTO t (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, err := writer.ExecContext(ctx, "INSERT INTO t (id) VALUES (1)")
	if err == nil || store.Unavailable(err) {
		t.Errorf("a duplicate key: got %v, Unavailable %v; want an error, not unavailable", err, store.Unavailable(err))
	}
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO t (id) VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	_, err = writer.ExecContext(ctx, "INSERT INTO t (id) VALUES (3)")
	if !store.Unavailable(fmt.Errorf("insert: %w", err)) {
		t.Errorf("a write while another holds the database: got %v (%T), Unavailable false; want true", err, err)
	}
}

// TestUnavailableMySQL: the errors of a real MariaDB, straight and
// through a proxy that stalls, cuts and goes down.
func TestUnavailableMySQL(t *testing.T) {
	cfg := storetest.MySQLConfig(t)
	ctx := context.Background()
	direct, err := sql.Open("mysql", cfg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := direct.ExecContext(ctx, "INSERT INTO t (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	t.Run("a duplicate key is not", func(t *testing.T) {
		_, err := direct.ExecContext(ctx, "INSERT INTO t (id) VALUES (1)")
		if err == nil || store.Unavailable(err) {
			t.Errorf("got %v, Unavailable %v; want an error, not unavailable", err, store.Unavailable(err))
		}
	})
	t.Run("a lock wait timeout is", func(t *testing.T) {
		tx, err := direct.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT id FROM t WHERE id = 1 FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		conn, err := direct.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 1"); err != nil {
			t.Fatal(err)
		}
		_, err = conn.ExecContext(ctx, "UPDATE t SET id = 5 WHERE id = 1")
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1205 || !store.Unavailable(err) {
			t.Errorf("got %v, Unavailable %v; want error 1205, unavailable", err, store.Unavailable(err))
		}
	})

	proxy, through := storetest.ThroughProxy(t, cfg)
	mc, err := mysql.ParseDSN(through.DSN)
	if err != nil {
		t.Fatal(err)
	}
	mc.ReadTimeout = 300 * time.Millisecond
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(ctx context.Context) error {
		var n int
		return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n)
	}
	if err := query(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name          string
		fault, repair func()
		timeout       time.Duration // of the query's context; 0: none
	}{
		{"stalled, with a deadline before the read timeout", proxy.Pause, proxy.Resume, 100 * time.Millisecond},
		{"stalled, the driver's read timeout", proxy.Pause, proxy.Resume, 0},
		{"down", proxy.Down, proxy.Up, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault()
			qctx, cancel := ctx, context.CancelFunc(func() {})
			if tt.timeout > 0 {
				qctx, cancel = context.WithTimeout(ctx, tt.timeout)
			}
			start := time.Now()
			err := query(qctx)
			cancel()
			tt.repair()
			t.Logf("%s: %v after %v", tt.name, err, time.Since(start).Round(time.Millisecond))
			if err == nil || !store.Unavailable(err) {
				t.Errorf("got %v (%T), Unavailable false; want an error that is unavailable", err, err)
			}
			if err := waitQuery(ctx, query); err != nil {
				t.Errorf("repaired, the query still fails: %v", err)
			}
		})
	}
}

// waitQuery runs query until it succeeds, for at most 10 seconds.
func waitQuery(ctx context.Context, query func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err := query(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}
