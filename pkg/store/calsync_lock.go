package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrCalendarBusy says that another calendar-sync holds a calendar's lock.
var ErrCalendarBusy = errors.New("another calendar-sync is syncing it")

// CalendarLock is the lease one calendar-sync holds on a calendar while it
// syncs it: a row in calendar_sync_state with an owner and a deadline, the
// same on MySQL and SQLite. A process that dies holding it blocks the
// calendar until the deadline passes; one that lives renews it.
type CalendarLock struct {
	s          *Store
	calendarID int64
	owner      string
	ttl        time.Duration
}

// ensureSyncStateSQL adds the calendar's calendar_sync_state row if it is missing.
var ensureSyncStateSQL = map[Dialect]string{
	MySQL:  `INSERT INTO calendar_sync_state (calendar_id) VALUES (?) ON DUPLICATE KEY UPDATE calendar_id = calendar_id`,
	SQLite: `INSERT INTO calendar_sync_state (calendar_id) VALUES (?) ON CONFLICT DO NOTHING`,
}

const acquireCalendarLockSQL = `UPDATE calendar_sync_state SET lock_owner = ?, locked_until = ?
WHERE calendar_id = ? AND (lock_owner IS NULL OR locked_until IS NULL OR locked_until < ?)`

const calendarLockSQL = `SELECT lock_owner, locked_until FROM calendar_sync_state WHERE calendar_id = ?`

// ensureSyncState makes sure calendar id has its calendar_sync_state row;
// ErrNotFound if there is no such calendar.
func (s *Store) ensureSyncState(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, ensureSyncStateSQL[s.dialect], id)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("calendar #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sync state of calendar #%d: %w", id, err)
	}
	return nil
}

// LockCalendar takes the lock of calendar id for owner (a string that
// names the process, at most 128 characters) for ttl. When another owner
// holds it and its lease has not run out, the error wraps ErrCalendarBusy
// and says who holds it until when. ErrNotFound if there is no such calendar.
func (s *Store) LockCalendar(ctx context.Context, id int64, owner string, ttl time.Duration) (*CalendarLock, error) {
	if owner == "" || len([]rune(owner)) > 128 {
		return nil, &FieldError{Field: "owner", Problem: "must be 1 to 128 characters"}
	}
	if ttl <= 0 {
		return nil, &FieldError{Field: "ttl", Problem: fmt.Sprintf("%s is not longer than 0", ttl)}
	}
	if err := s.ensureSyncState(ctx, id); err != nil {
		return nil, err
	}
	now := s.clock()
	res, err := s.db.ExecContext(ctx, acquireCalendarLockSQL, owner, now.Add(ttl), id, now)
	if err != nil {
		return nil, fmt.Errorf("lock calendar #%d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("lock calendar #%d: %w", id, err)
	}
	if n == 0 {
		var holder sql.NullString
		var until anyTime
		if err := s.db.QueryRowContext(ctx, calendarLockSQL, id).Scan(&holder, &until); err != nil {
			return nil, fmt.Errorf("lock calendar #%d: %w", id, err)
		}
		return nil, fmt.Errorf("calendar #%d: %w (%s, until %s UTC at the latest)", id, ErrCalendarBusy, holder.String,
			until.Time.UTC().Format("2006-01-02 15:04:05"))
	}
	return &CalendarLock{s: s, calendarID: id, owner: owner, ttl: ttl}, nil
}

const renewCalendarLockSQL = `UPDATE calendar_sync_state SET locked_until = ? WHERE calendar_id = ? AND lock_owner = ?`

// Renew extends the lease by its ttl from now. An error wrapping
// ErrCalendarBusy means the lock was lost (the lease ran out and another
// process took it): the holder must stop writing.
func (l *CalendarLock) Renew(ctx context.Context) error {
	res, err := l.s.db.ExecContext(ctx, renewCalendarLockSQL, l.s.clock().Add(l.ttl), l.calendarID, l.owner)
	if err != nil {
		return fmt.Errorf("renew lock of calendar #%d: %w", l.calendarID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("renew lock of calendar #%d: %w", l.calendarID, err)
	} else if n > 0 {
		return nil
	}
	// MySQL counts changed rows: a renewal within the same microsecond
	// changes nothing. Tell that from a lost lock.
	var holder sql.NullString
	var until anyTime
	if err := l.s.db.QueryRowContext(ctx, calendarLockSQL, l.calendarID).Scan(&holder, &until); err != nil {
		return fmt.Errorf("renew lock of calendar #%d: %w", l.calendarID, err)
	}
	if holder.String != l.owner {
		return fmt.Errorf("renew lock of calendar #%d: lost to %q: %w", l.calendarID, holder.String, ErrCalendarBusy)
	}
	return nil
}

const releaseCalendarLockSQL = `UPDATE calendar_sync_state SET lock_owner = NULL, locked_until = NULL WHERE calendar_id = ? AND lock_owner = ?`

// Release gives the lock up. Releasing a lock that was lost is not an error.
func (l *CalendarLock) Release(ctx context.Context) error {
	if _, err := l.s.db.ExecContext(ctx, releaseCalendarLockSQL, l.calendarID, l.owner); err != nil {
		return fmt.Errorf("release lock of calendar #%d: %w", l.calendarID, err)
	}
	return nil
}

const calendarFullSyncSQL = `SELECT full_synced_at FROM calendar_sync_state WHERE calendar_id = ?`

// CalendarFullSyncAt returns when calendar id was last synced in full (its
// whole window read, rather than the changes since a sync token, or a 304);
// zero when never.
func (s *Store) CalendarFullSyncAt(ctx context.Context, id int64) (time.Time, error) {
	var at anyTime
	err := s.db.QueryRowContext(ctx, calendarFullSyncSQL, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sync state of calendar #%d: %w", id, err)
	}
	return at.Time, nil
}

const recordFullSyncSQL = `UPDATE calendar_sync_state SET full_synced_at = ? WHERE calendar_id = ?`

// RecordCalendarFullSync notes that calendar id was synced in full at at.
// ErrNotFound if there is no such calendar.
func (s *Store) RecordCalendarFullSync(ctx context.Context, id int64, at time.Time) error {
	if err := s.ensureSyncState(ctx, id); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, recordFullSyncSQL, dbTime(at), id); err != nil {
		return fmt.Errorf("record full sync of calendar #%d: %w", id, err)
	}
	return nil
}
