package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// EventStatus says whether an event still takes place.
type EventStatus string

// The event statuses.
const (
	EventConfirmed EventStatus = "confirmed"
	EventCancelled EventStatus = "cancelled"
)

// Event is one occurrence of a calendar event: a recurring event has one
// row per instance, each with the source's id of that instance.
type Event struct {
	ID              int64
	CalendarID      int64
	ExternalID      string // the source's id of this occurrence; unique within the calendar
	Title           string
	Description     string
	Location        string
	URL             string
	StartAt         time.Time // UTC
	EndAt           time.Time // UTC
	AllDay          bool
	TimeZone        string // IANA; "" on input: the calendar's zone
	Status          EventStatus
	SourceUpdatedAt time.Time // when the source last changed it; zero when unknown
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// EventChange says what UpsertEvent did to an event: ChangeNone, or one or
// more of the other values together (an event can move and be renamed in
// the same sync).
type EventChange uint8

// ChangeNone: the event was stored already, exactly so; nothing was written.
const ChangeNone EventChange = 0

// The changes an upsert reports.
const (
	ChangeCreated   EventChange = 1 << iota // a new event
	ChangeMoved                             // its start changed
	ChangeCancelled                         // its status became cancelled
	ChangeRestored                          // its status went from cancelled back to confirmed
	ChangeRetitled                          // its title changed
	ChangeEdited                            // anything else changed: end, description, location, URL, all-day, zone, source time
)

var eventChangeNames = [...]string{"created", "moved", "cancelled", "restored", "retitled", "edited"}

// Has reports whether c includes every change in want.
func (c EventChange) Has(want EventChange) bool { return want != 0 && c&want == want }

// String lists the changes, e.g. "moved+retitled", or "unchanged".
func (c EventChange) String() string {
	if c == ChangeNone {
		return "unchanged"
	}
	var names []string
	for i, name := range eventChangeNames {
		if c&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return strings.Join(names, "+")
}

// maxText is the size of a TEXT column on MySQL, in bytes.
const maxText = 65535

// validate checks every field; calendarMissing says the calendar does not exist.
func (e *Event) validate(calendarMissing bool) error {
	var fe fieldErrors
	if calendarMissing {
		fe.add("calendar", "no calendar #%d", e.CalendarID)
	}
	switch n := len([]rune(e.ExternalID)); {
	case n == 0:
		fe.add("external_id", "is empty")
	case n > 512:
		fe.add("external_id", "is %d characters long; at most 512", n)
	}
	fe.tooLong("title", e.Title, 1024)
	fe.noControl("title", e.Title)
	for _, f := range []struct{ name, value string }{{"description", e.Description}, {"location", e.Location}, {"url", e.URL}} {
		if len(f.value) > maxText {
			fe.add(f.name, "is %d bytes long; at most %d", len(f.value), maxText)
		}
	}
	switch {
	case e.StartAt.IsZero():
		fe.add("start", "is missing")
	case e.EndAt.IsZero():
		fe.add("end", "is missing")
	case e.EndAt.Before(e.StartAt):
		fe.add("end", "%s is before the start %s", e.EndAt.Format(time.RFC3339), e.StartAt.Format(time.RFC3339))
	}
	if e.TimeZone != "" { // "": floating, local to each member (see memberStart)
		if _, err := schedule.LoadZone(e.TimeZone); err != nil {
			fe.add("time_zone", "%v", err)
		}
	}
	if e.Status != EventConfirmed && e.Status != EventCancelled {
		fe.add("status", "%q is not an event status (confirmed or cancelled)", e.Status)
	}
	return fe.err()
}

// changeFrom says what storing e over old changes.
func (e *Event) changeFrom(old Event) EventChange {
	var c EventChange
	if !e.StartAt.Equal(old.StartAt) {
		c |= ChangeMoved
	}
	switch {
	case e.Status == EventCancelled && old.Status != EventCancelled:
		c |= ChangeCancelled
	case e.Status != EventCancelled && old.Status == EventCancelled:
		c |= ChangeRestored
	}
	if e.Title != old.Title {
		c |= ChangeRetitled
	}
	if e.Description != old.Description || e.Location != old.Location || e.URL != old.URL ||
		!e.EndAt.Equal(old.EndAt) || e.AllDay != old.AllDay || e.TimeZone != old.TimeZone ||
		!e.SourceUpdatedAt.Equal(old.SourceUpdatedAt) {
		c |= ChangeEdited
	}
	return c
}

const eventColumns = `id, calendar_id, external_id, title, description, location, url, start_at, end_at, all_day, time_zone,
status, source_updated_at, created_at, updated_at`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var start, end, sourceUpdated, created, updated anyTime
	err := row.Scan(&e.ID, &e.CalendarID, &e.ExternalID, &e.Title, &e.Description, &e.Location, &e.URL,
		&start, &end, &e.AllDay, &e.TimeZone, &e.Status, &sourceUpdated, &created, &updated)
	e.StartAt, e.EndAt, e.SourceUpdatedAt, e.CreatedAt, e.UpdatedAt = start.Time, end.Time, sourceUpdated.Time, created.Time, updated.Time
	return e, err
}

const calendarZoneSQL = `SELECT time_zone FROM calendars WHERE id = ?`

const eventByExternalIDSQL = `SELECT ` + eventColumns + ` FROM events WHERE calendar_id = ? AND external_id = ?`

const insertEventSQL = `INSERT INTO events (calendar_id, external_id, title, description, location, url, start_at, end_at, all_day,
time_zone, status, source_updated_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const updateEventSQL = `UPDATE events SET title = ?, description = ?, location = ?, url = ?, start_at = ?, end_at = ?, all_day = ?,
time_zone = ?, status = ?, source_updated_at = ?, updated_at = ? WHERE id = ?`

// UpsertEvent stores ev, keyed by (CalendarID, ExternalID): a new event is
// inserted, a known one updated, and the change says which fields moved.
// An event stored exactly so already is not written (ChangeNone). When an
// existing event's start or status changes, the pending deliveries of its
// registrations are moved or cancelled in the same transaction. An empty
// status is confirmed, an empty zone the calendar's.
func (s *Store) UpsertEvent(ctx context.Context, ev Event) (Event, EventChange, error) {
	ev.StartAt, ev.EndAt = dbTime(ev.StartAt), dbTime(ev.EndAt)
	ev.SourceUpdatedAt = nullTime(ev.SourceUpdatedAt).Time
	if ev.Status == "" {
		ev.Status = EventConfirmed
	}
	var out Event
	var change EventChange
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		e := ev
		var zone string
		// Locking the calendar serializes the upserts of its events (on
		// MySQL; SQLite has one writer anyway): two syncs of one calendar
		// take turns instead of deadlocking on the gap locks of a new key,
		// and the calendar cannot go away under this one.
		err := tx.QueryRowContext(ctx, calendarZoneSQL+s.forUpdate(), e.CalendarID).Scan(&zone)
		calendarMissing := errors.Is(err, sql.ErrNoRows)
		if err != nil && !calendarMissing {
			return fmt.Errorf("calendar #%d: %w", e.CalendarID, err)
		}
		if e.TimeZone == "" {
			e.TimeZone = zone
		}
		if err := e.validate(calendarMissing); err != nil {
			return err
		}
		now := s.clock()
		old, err := scanEvent(tx.QueryRowContext(ctx, eventByExternalIDSQL+s.forUpdate(), e.CalendarID, e.ExternalID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			e.CreatedAt, e.UpdatedAt = now, now
			res, err := tx.ExecContext(ctx, insertEventSQL, e.CalendarID, e.ExternalID, e.Title, e.Description, e.Location, e.URL,
				e.StartAt, e.EndAt, e.AllDay, e.TimeZone, e.Status, nullTime(e.SourceUpdatedAt), now, now)
			if isForeignKeyViolation(err) {
				return &FieldError{Field: "calendar", Problem: fmt.Sprintf("no calendar #%d", e.CalendarID)}
			}
			if err != nil {
				return fmt.Errorf("create event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
			}
			if e.ID, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("create event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
			}
			out, change = e, ChangeCreated
			return nil
		case err != nil:
			return fmt.Errorf("event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
		}
		e.ID, e.CreatedAt, e.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
		change = e.changeFrom(old)
		if change == ChangeNone {
			out = e
			return nil
		}
		e.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, updateEventSQL, e.Title, e.Description, e.Location, e.URL, e.StartAt, e.EndAt, e.AllDay,
			e.TimeZone, e.Status, nullTime(e.SourceUpdatedAt), now, e.ID); err != nil {
			return fmt.Errorf("update event #%d: %w", e.ID, err)
		}
		if change&ChangeRestored != 0 {
			if err := s.reviveWithEventTx(ctx, tx, e.ID, now); err != nil {
				return err
			}
		}
		if change&(ChangeMoved|ChangeCancelled|ChangeRestored) != 0 {
			if err := s.replanEvent(ctx, tx, e, schedule.DefaultAllDayAt); err != nil {
				return err
			}
		}
		if change&ChangeCancelled != 0 {
			if err := s.cancelWithEventTx(ctx, tx, e.ID, now); err != nil {
				return err
			}
		}
		out = e
		return nil
	})
	if err != nil {
		return Event{}, ChangeNone, err
	}
	return out, change, nil
}

const eventByIDSQL = `SELECT ` + eventColumns + ` FROM events WHERE id = ?`

// EventByID finds an event by id; ErrNotFound if none.
func (s *Store) EventByID(ctx context.Context, id int64) (Event, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, eventByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("event #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("event #%d: %w", id, err)
	}
	return e, nil
}

// EventFilter narrows ListEvents; the zero value lists every confirmed event.
type EventFilter struct {
	CalendarID       int64          // 0: every calendar
	From             time.Time      // events that start at or after From; zero: no bound
	To               time.Time      // events that start before To; zero: no bound
	TitlePattern     *regexp.Regexp // events whose title it matches; nil: every title
	IncludeCancelled bool
	Limit            int // at most this many (after TitlePattern); 0: no limit
}

// ceilMicrosecond is dbTime rounded up: against columns of whole
// microseconds, start_at >= t and start_at < t hold exactly when they
// hold for ceilMicrosecond(t).
func ceilMicrosecond(t time.Time) time.Time {
	if d := dbTime(t); d.Before(t) {
		return d.Add(time.Microsecond)
	}
	return dbTime(t)
}

const listEventsSQL = `SELECT ` + eventColumns + ` FROM events`

// ListEvents lists the events f selects, by start, then id.
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	var where []string
	var args []any
	if f.CalendarID != 0 {
		where, args = append(where, "calendar_id = ?"), append(args, f.CalendarID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "start_at >= ?"), append(args, ceilMicrosecond(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "start_at < ?"), append(args, ceilMicrosecond(f.To))
	}
	if !f.IncludeCancelled {
		where, args = append(where, "status = ?"), append(args, EventConfirmed)
	}
	query := listEventsSQL
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY start_at, id"
	if f.Limit > 0 && f.TitlePattern == nil {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		if f.TitlePattern != nil && !f.TitlePattern.MatchString(e.Title) {
			continue
		}
		events = append(events, e)
		if f.Limit > 0 && len(events) == f.Limit {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return events, nil
}

// Validate checks ev as SyncEvents would before storing it: a source that
// returns an event that fails it makes the whole sync fail.
func (e Event) Validate() error { return e.validate(false) }
