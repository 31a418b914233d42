package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Unavailable reports whether err says that the database could not be
// reached or did not answer in time, rather than that the request was
// wrong or pfsnotify has a bug: the answer to it is "try again in a
// moment" (a server's 503 with Retry-After; invoke's next run), not a fix.
//
// It is true for:
//   - a deadline that passed (context.DeadlineExceeded): a database that
//     stalls; not context.Canceled, which is the caller giving up;
//   - a connection that broke or could not be made: driver.ErrBadConn,
//     sql.ErrConnDone, mysql.ErrInvalidConn (the driver's word for a read
//     or write that failed or timed out), any net.Error (refused, reset,
//     i/o timeout, no such host);
//   - MySQL's errors of a server that cannot take the work now: 1040 too
//     many connections, 1053 server shutting down, 1203 too many
//     connections of the user, 1205 lock wait timeout (the row is held by
//     another transaction longer than the server waits: a retry later
//     succeeds), 1927 connection killed, 1969 and 3024 statement timeout
//     (MariaDB's max_statement_time, MySQL's max_execution_time); and the
//     client errors a proxy in front of it (ProxySQL, MaxScale) may pass on:
//     2002, 2003 cannot connect, 2006 server gone away, 2013 lost
//     connection during a query;
//   - SQLite's SQLITE_BUSY and SQLITE_LOCKED (and their extended codes):
//     another connection held the database longer than the busy timeout.
//
// A deadlock (MySQL 1213) is not here: inTxRetry runs such a transaction
// again, and one that keeps losing is worth a look.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1203, 1205, 1927, 1969, 3024, 2002, 2003, 2006, 2013:
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}
