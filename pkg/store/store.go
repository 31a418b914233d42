// Package store is pfsnotify's database: raw SQL over database/sql, the same
// API on MySQL/MariaDB and on SQLite. Every instant is stored in UTC.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// Dialect names a supported database.
type Dialect string

// The supported dialects; the values are config's database.driver values.
const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("already exists")
	ErrSchemaBehind = errors.New("database schema is behind")
	ErrSchemaAhead  = errors.New("database schema is newer than this pfsnotify")
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	where   string // "mysql at host:3306/name", "sqlite at path": no password
	now     func() time.Time

	pruneHook func(table string) // tests: called in each prune batch before it commits
}

// Open connects to the database that cfg names and checks that it answers.
// It does not migrate: see Migrate and CheckSchema.
func Open(ctx context.Context, cfg config.Database) (*Store, error) {
	dialect := Dialect(cfg.Driver)
	var driver, dsn, where string
	switch dialect {
	case MySQL:
		mc, err := mysqlConfig(cfg.DSN)
		if err != nil {
			return nil, err
		}
		driver, dsn, where = "mysql", mc.FormatDSN(), "mysql at "+mc.Addr+"/"+mc.DBName
	case SQLite:
		driver, dsn, where = "sqlite", sqliteDSN(cfg.DSN), "sqlite at "+cfg.DSN
	default:
		return nil, fmt.Errorf("database.driver: %q is not supported (use \"sqlite\" or \"mysql\")", cfg.Driver)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	db.SetMaxOpenConns(max(cfg.MaxOpenConns, 1))
	db.SetMaxIdleConns(max(cfg.MaxOpenConns, 1))
	if cfg.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", where, err)
	}
	return &Store{db: db, dialect: dialect, where: where, now: time.Now}, nil
}

// The driver's timeouts pfsnotify sets unless the DSN names its own
// (timeout=, readTimeout=, writeTimeout=; "0" turns one off). The read and
// write timeouts bound each network read and write on a connection: the
// backstop for a call whose context has no deadline, so that a database
// that accepts TCP and never answers cannot hold a process for ever. A
// COMMIT is one such call: the driver does not watch the transaction's
// context while it commits, so a stall there lasts a read timeout, and
// invoke's promise (exit within 30 s of a stall) needs it well below that.
const (
	defaultConnectTimeout = 5 * time.Second
	defaultReadTimeout    = 15 * time.Second
	defaultWriteTimeout   = 15 * time.Second
)

// mysqlConfig parses a go-sql-driver DSN and forces what the store relies
// on: times as time.Time in UTC, a UTC session, and arguments interpolated
// by the driver. Without interpolation every statement with arguments
// costs three round trips (prepare, execute, close); with it, one. The
// driver refuses it with a collation where escaping is not safe (big5,
// sjis, …): those keep prepared statements. The connect, read and write
// timeouts get defaults that the DSN's own parameters override.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("database.dsn: %w", err)
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.InterpolateParams = true
	if _, err := mysql.ParseDSN(mc.FormatDSN()); err != nil {
		mc.InterpolateParams = false
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	params := dsnParams(dsn)
	for _, d := range []struct {
		param string
		value *time.Duration
		def   time.Duration
	}{
		{"timeout", &mc.Timeout, defaultConnectTimeout},
		{"readTimeout", &mc.ReadTimeout, defaultReadTimeout},
		{"writeTimeout", &mc.WriteTimeout, defaultWriteTimeout},
	} {
		if _, set := params[d.param]; !set {
			*d.value = d.def
		}
	}
	return mc, nil
}

// dsnParams are the names of the parameters a go-sql-driver DSN sets,
// found as mysql.ParseDSN finds them: after the first "?" that follows the
// last "/" (a password or an address may hold either).
func dsnParams(dsn string) map[string]bool {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return nil
	}
	_, query, ok := strings.Cut(dsn[slash+1:], "?")
	if !ok {
		return nil
	}
	params := map[string]bool{}
	for param := range strings.SplitSeq(query, "&") {
		name, _, _ := strings.Cut(param, "=")
		params[name] = true
	}
	return params
}

// DurableCommits reports whether a commit is on disk when it returns:
// MySQL's, with InnoDB's default innodb_flush_log_at_trx_commit=1; not
// SQLite's, in WAL mode with synchronous=NORMAL (sqliteDSN), whose last
// commits a crash of the host (not of the process) may undo.
func (s *Store) DurableCommits() bool { return s.dialect == MySQL }

// sqliteDSN turns a file path (or a file: URI) into a modernc DSN with the
// pragmas the store relies on: foreign keys, WAL, a busy timeout, and
// write transactions that take the write lock when they begin.
func sqliteDSN(path string) string {
	params := url.Values{}
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_txlock", "immediate")
	params.Set("_time_format", "sqlite")
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + params.Encode()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Name says which database this is, for messages: "mysql at
// 127.0.0.1:3306/pfsnotify", "sqlite at /var/lib/pfsnotify/pfsnotify.db".
// It holds no password.
func (s *Store) Name() string { return s.where }

// Dialect says which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// SetClock replaces the store's clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// clock is the current instant as the database stores it.
func (s *Store) clock() time.Time { return dbTime(s.now()) }

// dbTime is t as every column holds it: UTC, microseconds (MySQL's DATETIME(6)).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: dbTime(t), Valid: true}
}

// nullString maps "" to NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// nullInt64 maps 0 to NULL (ids start at 1).
func nullInt64(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a duplicate key.
func isUniqueViolation(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a reference to a missing row.
func isForeignKeyViolation(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1452 || me.Number == 1451
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// forUpdate is the clause that locks the rows a SELECT in a transaction
// reads: FOR UPDATE on MySQL; nothing on SQLite, where a write transaction
// holds the database's one write lock from its start (_txlock=immediate).
func (s *Store) forUpdate() string {
	if s.dialect == MySQL {
		return " FOR UPDATE"
	}
	return ""
}

// upsertAttempts is how many times inTxRetry runs a transaction.
const upsertAttempts = 3

// inTxRetry is inTx for transactions that concurrent writers can make fail
// harmlessly: an upsert (read, then insert or update), where the loser of
// two writers inserting the same new key gets a duplicate key; and on MySQL
// any transaction that locks rows (FOR UPDATE, claims), which InnoDB may
// pick as a deadlock victim. Run again, it succeeds. fn must set its
// results afresh on each run.
func (s *Store) inTxRetry(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for range upsertAttempts {
		if err = s.inTx(ctx, fn); !isUniqueViolation(err) && !isDeadlock(err) {
			return err
		}
	}
	return err
}

// isDeadlock reports whether err is MySQL's "deadlock found; try restarting
// the transaction", after which the transaction is rolled back.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// rowsAffectedOrNotFound turns "no row changed" into ErrNotFound.
func rowsAffectedOrNotFound(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// updatedOrNotFound is rowsAffectedOrNotFound for an UPDATE. MySQL counts
// the rows an UPDATE changed, not those it matched (the driver does not set
// CLIENT_FOUND_ROWS), so an UPDATE that writes the values a row already has
// affects nothing: then existsSQL (SELECT 1 ... WHERE id = ?) tells a row
// left as it was from a missing one.
func (s *Store) updatedOrNotFound(ctx context.Context, res sql.Result, existsSQL string, id int64, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n > 0 {
		return nil
	}
	var one int
	err = s.db.QueryRowContext(ctx, existsSQL, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
