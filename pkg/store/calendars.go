package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// CalendarKind says where a calendar's events come from.
type CalendarKind string

// The calendar kinds.
const (
	CalendarGoogle CalendarKind = "google" // Google Calendar API; Source is the calendar id
	CalendarICS    CalendarKind = "ics"    // iCalendar; Source is an http(s) URL or an absolute file path
)

// Calendar is a source of events that calendar-sync pulls.
type Calendar struct {
	ID     int64
	Name   string // unique; what the CLI and the panel show
	Kind   CalendarKind
	Source string // Google calendar id, or ICS URL / absolute file path
	// TimeZone (IANA) is the zone of the events that name none (floating
	// times, all-day events); "": the feed's X-WR-TIMEZONE, else each
	// member's own zone.
	TimeZone string

	// What the last successful sync left for the next one: Google's
	// nextSyncToken, the ICS server's ETag and Last-Modified. "" when none.
	SyncToken    string
	ETag         string
	LastModified string

	LastSyncedAt time.Time // the last successful sync; zero when never
	LastError    string    // why the last sync failed; "" when it succeeded
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// maxCalendarSource bounds a calendar's source (a URL, a path or a Google calendar id).
const maxCalendarSource = 2048

// validate checks every field of a new calendar.
func (c *Calendar) validate() error {
	var fe fieldErrors
	switch n := len([]rune(c.Name)); {
	case n == 0:
		fe.add("name", "is empty")
	case n > 128:
		fe.add("name", "is %d characters long; at most 128", n)
	case isDigits(strings.TrimPrefix(c.Name, "#")):
		fe.add("name", "%q is a number, which reads as a calendar id: use a name with a letter in it", c.Name)
	}
	fe.noControl("name", c.Name)
	switch c.Kind {
	case CalendarGoogle:
		if c.Source == "" {
			fe.add("source", "is empty: give the Google calendar id, e.g. primary or abc123@group.calendar.google.com")
		} else if strings.ContainsFunc(c.Source, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			fe.add("source", "%q is not a Google calendar id: it has a space or a control character in it", c.Source)
		}
	case CalendarICS:
		if c.Source == "" {
			fe.add("source", "is empty: give an http(s) URL or an absolute file path of an .ics file")
		} else if !isICSSource(c.Source) {
			fe.add("source", "%q is neither an absolute http(s) URL nor an absolute file path", c.Source)
		}
	default:
		fe.add("kind", "%q is not a calendar kind (google or ics)", c.Kind)
		if c.Source == "" {
			fe.add("source", "is empty")
		}
	}
	if n := len([]rune(c.Source)); n > maxCalendarSource {
		fe.add("source", "is %d characters long; at most %d", n, maxCalendarSource)
	}
	if c.TimeZone != "" {
		if _, err := schedule.LoadZone(c.TimeZone); err != nil {
			fe.add("time_zone", "%v", err)
		}
	}
	return fe.err()
}

// isICSSource reports whether s is an absolute http/https URL with a host,
// or an absolute file path.
func isICSSource(s string) bool {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return false
	}
	if filepath.IsAbs(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

const calendarColumns = `id, name, kind, source, time_zone, sync_token, etag, last_modified, last_synced_at, last_error, created_at, updated_at`

func scanCalendar(row interface{ Scan(...any) error }) (Calendar, error) {
	var c Calendar
	var syncToken, etag, lastModified, lastError sql.NullString
	var lastSynced, created, updated anyTime
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.Source, &c.TimeZone, &syncToken, &etag, &lastModified,
		&lastSynced, &lastError, &created, &updated)
	c.SyncToken, c.ETag, c.LastModified, c.LastError = syncToken.String, etag.String, lastModified.String, lastError.String
	c.LastSyncedAt, c.CreatedAt, c.UpdatedAt = lastSynced.Time, created.Time, updated.Time
	return c, err
}

// nullString maps "" to NULL.

const createCalendarSQL = `INSERT INTO calendars (name, kind, source, time_zone, sync_token, etag, last_modified, last_synced_at, last_error, created_at, updated_at)
VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?, ?)`

// CreateCalendar adds c and returns it as stored. The name is trimmed; an
// empty time zone stays empty (see Calendar.TimeZone). The sync state (tokens, last sync, last error)
// of c is ignored: a new calendar has never been synced.
func (s *Store) CreateCalendar(ctx context.Context, c Calendar) (Calendar, error) {
	c.Name = strings.TrimSpace(c.Name)
	c.Source = strings.TrimSpace(c.Source)
	if err := c.validate(); err != nil {
		return Calendar{}, err
	}
	now := s.clock()
	c.SyncToken, c.ETag, c.LastModified, c.LastError, c.LastSyncedAt = "", "", "", "", time.Time{}
	c.CreatedAt, c.UpdatedAt = now, now
	res, err := s.db.ExecContext(ctx, createCalendarSQL, c.Name, c.Kind, c.Source, c.TimeZone, now, now)
	if isUniqueViolation(err) {
		return Calendar{}, &FieldError{Field: "name", Problem: fmt.Sprintf("%q is taken", c.Name)}
	}
	if err != nil {
		return Calendar{}, fmt.Errorf("create calendar %s: %w", c.Name, err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return Calendar{}, fmt.Errorf("create calendar %s: %w", c.Name, err)
	}
	return c, nil
}

const calendarByNameSQL = `SELECT ` + calendarColumns + ` FROM calendars WHERE name = ?`

// CalendarByName finds a calendar by its exact name; ErrNotFound if none.
func (s *Store) CalendarByName(ctx context.Context, name string) (Calendar, error) {
	c, err := scanCalendar(s.db.QueryRowContext(ctx, calendarByNameSQL, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return Calendar{}, fmt.Errorf("calendar %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Calendar{}, fmt.Errorf("calendar %q: %w", name, err)
	}
	return c, nil
}

const calendarByIDSQL = `SELECT ` + calendarColumns + ` FROM calendars WHERE id = ?`

// CalendarByID finds a calendar by id; ErrNotFound if none.
func (s *Store) CalendarByID(ctx context.Context, id int64) (Calendar, error) {
	c, err := scanCalendar(s.db.QueryRowContext(ctx, calendarByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Calendar{}, fmt.Errorf("calendar #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Calendar{}, fmt.Errorf("calendar #%d: %w", id, err)
	}
	return c, nil
}

// CalendarByRef finds a calendar by what a person typed: its id ("3", or
// "#3") or its name. Names are never numbers, so the two cannot clash.
func (s *Store) CalendarByRef(ctx context.Context, ref string) (Calendar, error) {
	ref = strings.TrimSpace(ref)
	if digits := strings.TrimPrefix(ref, "#"); isDigits(digits) {
		id, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return Calendar{}, fmt.Errorf("calendar %q: %w", ref, ErrNotFound)
		}
		return s.CalendarByID(ctx, id)
	}
	return s.CalendarByName(ctx, ref)
}

const listCalendarsSQL = `SELECT ` + calendarColumns + ` FROM calendars ORDER BY name`

// ListCalendars returns every calendar, ordered by name.
func (s *Store) ListCalendars(ctx context.Context) ([]Calendar, error) {
	rows, err := s.db.QueryContext(ctx, listCalendarsSQL)
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	defer rows.Close()
	var cals []Calendar
	for rows.Next() {
		c, err := scanCalendar(rows)
		if err != nil {
			return nil, fmt.Errorf("list calendars: %w", err)
		}
		cals = append(cals, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	return cals, nil
}

const removeCalendarSQL = `DELETE FROM calendars WHERE id = ?`

// CalendarRemoval reports what removing a calendar cancelled.
type CalendarRemoval struct {
	Registrations int // active registrations for its events, now cancelled
	Deliveries    int // their pending deliveries, now cancelled
}

// RemoveCalendar deletes a calendar, its events and the rules that watch
// only it; ErrNotFound if none. In the same transaction the registrations
// for its events are cancelled with their pending deliveries; they stay as
// history (event_id and rule_id become NULL), so nobody's inbox loses what
// was sent.
func (s *Store) RemoveCalendar(ctx context.Context, id int64) (CalendarRemoval, error) {
	var out CalendarRemoval
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, calendarExistsSQL+s.forUpdate(), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("calendar #%d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("calendar #%d: %w", id, err)
		}
		if out.Registrations, out.Deliveries, err = s.cancelActive(ctx, tx, ofCalendar, id, "calendar removed"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, removeCalendarSQL, id); err != nil {
			return fmt.Errorf("remove calendar #%d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return CalendarRemoval{}, err
	}
	return out, nil
}

// SyncResult is the outcome of one sync of a calendar.
type SyncResult struct {
	// The state for the next sync. After a success they replace the stored
	// ones, "" clearing one (a full resync clears a stale sync token); an
	// ETag over 512 or a Last-Modified over 64 characters is not kept.
	// After a failure they are ignored and the stored ones kept.
	SyncToken    string
	ETag         string
	LastModified string
	At           time.Time // when the sync ran; zero: now
	Err          string    // why it failed; "" for a success. Cut to 4000 characters.
	// Warning: the sync succeeded, but left something out (events it could
	// not read); it is kept as the calendar's LastError until the next sync.
	Warning string
}

// Sizes of the calendars columns that RecordCalendarSync writes.
const (
	maxCalendarETag         = 512
	maxCalendarLastModified = 64
	maxCalendarError        = 4000
)

const recordCalendarSyncOKSQL = `UPDATE calendars SET sync_token = ?, etag = ?, last_modified = ?, last_synced_at = ?, last_error = ?, updated_at = ?
WHERE id = ?`

const recordCalendarSyncErrSQL = `UPDATE calendars SET last_error = ?, updated_at = ? WHERE id = ?`

const calendarExistsSQL = `SELECT 1 FROM calendars WHERE id = ?`

// RecordCalendarSync stores the outcome of a sync of calendar id. A success
// stores the new sync state, sets LastSyncedAt to r.At and sets LastError
// to r.Warning ("" clears it).
// A failure sets LastError and keeps the sync state and LastSyncedAt (the
// last success), so the next run starts from where the last good one ended.
// ErrNotFound if there is no such calendar.
func (s *Store) RecordCalendarSync(ctx context.Context, id int64, r SyncResult) error {
	// What servers send is stored if it fits: a validator cut short would
	// never match, so one too long is dropped (the next sync fetches the
	// whole calendar); an error message is cut.
	if len([]rune(r.ETag)) > maxCalendarETag {
		r.ETag = ""
	}
	if len([]rune(r.LastModified)) > maxCalendarLastModified {
		r.LastModified = ""
	}
	if e := []rune(r.Err); len(e) > maxCalendarError {
		r.Err = string(e[:maxCalendarError-1]) + "…"
	}
	if w := []rune(r.Warning); len(w) > maxCalendarError {
		r.Warning = string(w[:maxCalendarError-1]) + "…"
	}
	now := s.clock()
	at := now
	if !r.At.IsZero() {
		at = dbTime(r.At)
	}
	var res sql.Result
	var err error
	if r.Err == "" {
		res, err = s.db.ExecContext(ctx, recordCalendarSyncOKSQL, nullString(r.SyncToken), nullString(r.ETag),
			nullString(r.LastModified), at, nullString(r.Warning), now, id)
	} else {
		res, err = s.db.ExecContext(ctx, recordCalendarSyncErrSQL, r.Err, now, id)
	}
	if err != nil {
		return fmt.Errorf("record sync of calendar #%d: %w", id, err)
	}
	return s.updatedOrNotFound(ctx, res, calendarExistsSQL, id, fmt.Sprintf("record sync of calendar #%d", id))
}
