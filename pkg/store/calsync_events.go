package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// EventSync reports what SyncEvents did to one event.
type EventSync struct {
	Event  Event // as stored now
	Old    Event // as it was before; zero for a new event
	Change EventChange
	// Registrations counts the active registrations of a moved, cancelled
	// or restored event: those whose pending reminders followed it.
	Registrations int
	Notices       int // "moved" or "cancelled" deliveries created for its registrations
}

// SyncEventsOptions tunes SyncEvents.
type SyncEventsOptions struct {
	// NoticeWindow: when an event that starts within this of now (before
	// or after the change) moves or is cancelled, its registrations get a
	// "moved" or "cancelled" delivery on each of their channels, as their
	// rule allows (see RuleNotices, GroupRuleNotices). 0: none.
	NoticeWindow time.Duration
	// BatchSize is how many events are written per transaction; 0: 200.
	BatchSize int
	// AllDayAt is when members are reminded of all-day events, in their
	// own zones; nil: schedule.DefaultAllDayAt.
	AllDayAt *schedule.AllDayAt
}

// normalizeEvent gives ev the form UpsertEvent stores: instants in UTC to
// the microsecond, an empty status confirmed, an empty zone the calendar's.
func normalizeEvent(ev Event, calendarZone string) Event {
	ev.StartAt, ev.EndAt = dbTime(ev.StartAt), dbTime(ev.EndAt)
	ev.SourceUpdatedAt = nullTime(ev.SourceUpdatedAt).Time
	if ev.Status == "" {
		ev.Status = EventConfirmed
	}
	if ev.TimeZone == "" {
		ev.TimeZone = calendarZone
	}
	return ev
}

// DiffEvent says what storing ev over old would change, as UpsertEvent and
// SyncEvents report it; an empty zone in ev counts as old's.
func DiffEvent(old, ev Event) EventChange {
	ev = normalizeEvent(ev, old.TimeZone)
	return ev.changeFrom(old)
}

// maxIDsPerQuery bounds the ? of one IN (...) list.
const maxIDsPerQuery = 500

// EventsByExternalID returns the stored events of calendar calendarID
// among ids, by external id; ids that are not stored are absent.
func (s *Store) EventsByExternalID(ctx context.Context, calendarID int64, ids []string) (map[string]Event, error) {
	out := make(map[string]Event, len(ids))
	for start := 0; start < len(ids); start += maxIDsPerQuery {
		chunk := ids[start:min(start+maxIDsPerQuery, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, calendarID)
		for _, id := range chunk {
			args = append(args, id)
		}
		query := `SELECT ` + eventColumns + ` FROM events WHERE calendar_id = ? AND external_id IN (?` +
			strings.Repeat(", ?", len(chunk)-1) + `)`
		if err := s.scanEventsInto(ctx, out, query, args...); err != nil {
			return nil, fmt.Errorf("events of calendar #%d: %w", calendarID, err)
		}
	}
	return out, nil
}

func (s *Store) scanEventsInto(ctx context.Context, out map[string]Event, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		out[e.ExternalID] = e
	}
	return rows.Err()
}

const activeRegistrationCountSQL = `SELECT COUNT(*) FROM registrations WHERE event_id = ? AND status = ?`

const retitleRegistrationsSQL = `UPDATE registrations SET title = ?, updated_at = ? WHERE event_id = ? AND status = ? AND title = ?`

// SyncEvents stores the events of one calendar fetched by calendar-sync,
// each keyed by its ExternalID, as UpsertEvent would one by one, but many
// per transaction: a new event is inserted, a changed one updated (a move
// or a cancellation moves or cancels the pending reminders of its
// registrations), an unchanged one not written. Besides, the active
// registrations that carry an event's old title take its new one, and
// moves and cancellations near now are announced (opts.NoticeWindow).
//
// Every event is checked before anything is written: one bad event (or two
// with the same ExternalID) is an error naming it, and nothing changes.
// The changes come back in the order of events; unchanged events are left
// out. When writing fails partway, the batches written stay written (each
// is whole), and running SyncEvents again with the same events completes
// the work.
func (s *Store) SyncEvents(ctx context.Context, calendarID int64, events []Event, opts SyncEventsOptions) ([]EventSync, error) {
	var zone string
	err := s.db.QueryRowContext(ctx, calendarZoneSQL, calendarID).Scan(&zone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &FieldError{Field: "calendar", Problem: fmt.Sprintf("no calendar #%d", calendarID)}
	}
	if err != nil {
		return nil, fmt.Errorf("calendar #%d: %w", calendarID, err)
	}
	var problems []error
	seen := make(map[string]bool, len(events))
	ids := make([]string, 0, len(events))
	norm := make([]Event, 0, len(events))
	for _, ev := range events {
		ev.CalendarID = calendarID
		ev = normalizeEvent(ev, zone)
		if err := ev.validate(false); err != nil {
			problems = append(problems, fmt.Errorf("event %q: %w", ev.ExternalID, err))
			continue
		}
		if seen[ev.ExternalID] {
			problems = append(problems, &FieldError{Field: "external_id", Problem: fmt.Sprintf("%q comes twice", ev.ExternalID)})
			continue
		}
		seen[ev.ExternalID] = true
		ids = append(ids, ev.ExternalID)
		norm = append(norm, ev)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	stored, err := s.EventsByExternalID(ctx, calendarID, ids)
	if err != nil {
		return nil, err
	}
	var todo []Event
	for _, ev := range norm {
		if old, ok := stored[ev.ExternalID]; ok && ev.changeFrom(old) == ChangeNone {
			continue
		}
		todo = append(todo, ev)
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = 200
	}
	var out []EventSync
	for start := 0; start < len(todo); start += batch {
		chunk := todo[start:min(start+batch, len(todo))]
		var done []EventSync
		err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
			var err error
			done, err = s.syncEventsTx(ctx, tx, calendarID, chunk, opts.NoticeWindow, allDayOr(opts.AllDayAt))
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, done...)
	}
	return out, nil
}

const eventIDsHead = `SELECT id, external_id FROM events WHERE calendar_id = ? AND external_id IN `

// eventIDsTx returns the ids of the events of calendarID among externalIDs.
func eventIDsTx(ctx context.Context, tx *sql.Tx, calendarID int64, externalIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(externalIDs))
	for start := 0; start < len(externalIDs); start += maxIDsPerQuery {
		chunk := externalIDs[start:min(start+maxIDsPerQuery, len(externalIDs))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, calendarID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, eventIDsHead+inList(len(chunk)), args...)
		if err != nil {
			return nil, fmt.Errorf("events of calendar #%d: %w", calendarID, err)
		}
		for rows.Next() {
			var id int64
			var ext string
			if err := rows.Scan(&id, &ext); err != nil {
				rows.Close()
				return nil, fmt.Errorf("events of calendar #%d: %w", calendarID, err)
			}
			out[ext] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("events of calendar #%d: %w", calendarID, err)
		}
	}
	return out, nil
}

const bulkInsertEventsHead = `INSERT INTO events (calendar_id, external_id, title, description, location, url, start_at, end_at, all_day,
time_zone, status, source_updated_at, created_at, updated_at) VALUES `

// syncEventsTx writes one batch of SyncEvents in its transaction: the new
// events with multi-row INSERTs, the changed ones one by one. The changes
// come back in the order of chunk; unchanged events are left out.
func (s *Store) syncEventsTx(ctx context.Context, tx *sql.Tx, calendarID int64, chunk []Event, window time.Duration,
	allDay schedule.AllDayAt) ([]EventSync, error) {
	// As in UpsertEvent: lock the calendar so that writers of its events
	// take turns, and it cannot go away meanwhile.
	var zone string
	if err := tx.QueryRowContext(ctx, calendarZoneSQL+s.forUpdate(), calendarID).Scan(&zone); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &FieldError{Field: "calendar", Problem: fmt.Sprintf("no calendar #%d", calendarID)}
		}
		return nil, fmt.Errorf("calendar #%d: %w", calendarID, err)
	}
	ids := make([]string, len(chunk))
	for i, ev := range chunk {
		ids[i] = ev.ExternalID
	}
	existing, err := eventIDsTx(ctx, tx, calendarID, ids)
	if err != nil {
		return nil, err
	}
	results := make([]EventSync, len(chunk))
	var fresh []int // indexes in chunk of the events to insert
	var rows [][]any
	now := s.clock()
	for i, e := range chunk {
		if _, ok := existing[e.ExternalID]; ok {
			if results[i], err = s.syncEventTx(ctx, tx, e, window, allDay); err != nil {
				return nil, err
			}
			continue
		}
		fresh = append(fresh, i)
		rows = append(rows, []any{e.CalendarID, e.ExternalID, e.Title, e.Description, e.Location, e.URL,
			e.StartAt, e.EndAt, e.AllDay, e.TimeZone, e.Status, nullTime(e.SourceUpdatedAt), now, now})
	}
	if len(fresh) > 0 {
		if _, err := bulkInsert(ctx, tx, bulkInsertEventsHead, "", 14, rows); err != nil {
			return nil, fmt.Errorf("create events of calendar #%d: %w", calendarID, err)
		}
		freshIDs := make([]string, len(fresh))
		for k, i := range fresh {
			freshIDs[k] = chunk[i].ExternalID
		}
		created, err := eventIDsTx(ctx, tx, calendarID, freshIDs)
		if err != nil {
			return nil, err
		}
		for _, i := range fresh {
			e := chunk[i]
			e.ID, e.CreatedAt, e.UpdatedAt = created[e.ExternalID], now, now
			if e.ID == 0 {
				return nil, fmt.Errorf("create event %q of calendar #%d: not found after the insert", e.ExternalID, calendarID)
			}
			results[i] = EventSync{Event: e, Change: ChangeCreated}
		}
	}
	out := results[:0]
	for _, r := range results {
		if r.Change != ChangeNone {
			out = append(out, r)
		}
	}
	return out, nil
}

// syncEventTx is one event of SyncEvents, inside its transaction.
func (s *Store) syncEventTx(ctx context.Context, tx *sql.Tx, e Event, window time.Duration, allDay schedule.AllDayAt) (EventSync, error) {
	now := s.clock()
	old, err := scanEvent(tx.QueryRowContext(ctx, eventByExternalIDSQL+s.forUpdate(), e.CalendarID, e.ExternalID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.CreatedAt, e.UpdatedAt = now, now
		res, err := tx.ExecContext(ctx, insertEventSQL, e.CalendarID, e.ExternalID, e.Title, e.Description, e.Location, e.URL,
			e.StartAt, e.EndAt, e.AllDay, e.TimeZone, e.Status, nullTime(e.SourceUpdatedAt), now, now)
		if err != nil {
			return EventSync{}, fmt.Errorf("create event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return EventSync{}, fmt.Errorf("create event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
		}
		return EventSync{Event: e, Change: ChangeCreated}, nil
	case err != nil:
		return EventSync{}, fmt.Errorf("event %q of calendar #%d: %w", e.ExternalID, e.CalendarID, err)
	}
	e.ID, e.CreatedAt, e.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
	r := EventSync{Event: e, Old: old, Change: e.changeFrom(old)}
	if r.Change == ChangeNone {
		return r, nil
	}
	e.UpdatedAt = now
	r.Event = e
	if _, err := tx.ExecContext(ctx, updateEventSQL, e.Title, e.Description, e.Location, e.URL, e.StartAt, e.EndAt, e.AllDay,
		e.TimeZone, e.Status, nullTime(e.SourceUpdatedAt), now, e.ID); err != nil {
		return EventSync{}, fmt.Errorf("update event #%d: %w", e.ID, err)
	}
	if r.Change&ChangeRetitled != 0 {
		if _, err := tx.ExecContext(ctx, retitleRegistrationsSQL, e.Title, now, e.ID, RegistrationActive, old.Title); err != nil {
			return EventSync{}, fmt.Errorf("retitle registrations of event #%d: %w", e.ID, err)
		}
	}
	if r.Change&(ChangeMoved|ChangeCancelled|ChangeRestored) == 0 {
		return r, nil
	}
	if r.Change&ChangeRestored != 0 {
		if err := s.reviveWithEventTx(ctx, tx, e.ID, now); err != nil {
			return EventSync{}, err
		}
	}
	if err := tx.QueryRowContext(ctx, activeRegistrationCountSQL, e.ID, RegistrationActive).Scan(&r.Registrations); err != nil {
		return EventSync{}, fmt.Errorf("registrations of event #%d: %w", e.ID, err)
	}
	if r.Registrations == 0 {
		return r, nil
	}
	if err := s.replanEvent(ctx, tx, e, allDay); err != nil {
		return EventSync{}, err
	}
	if r.Notices, err = s.createChangeNotices(ctx, tx, e, old, r.Change, window, now); err != nil {
		return EventSync{}, err
	}
	if r.Change&ChangeCancelled != 0 {
		if err := s.cancelWithEventTx(ctx, tx, e.ID, now); err != nil {
			return EventSync{}, err
		}
	}
	return r, nil
}

const (
	noteCancelledWithEventSQL = `INSERT INTO registration_event_cancelled (registration_id, cancelled_at)
SELECT id, ? FROM registrations WHERE event_id = ? AND status = ?`
	cancelWithEventSQL = `UPDATE registrations SET status = ?, cancelled_at = ?, updated_at = ? WHERE event_id = ? AND status = ?`
	reviveWithEventSQL = `UPDATE registrations SET status = ?, cancelled_at = NULL, updated_at = ?
WHERE event_id = ? AND status = ? AND id IN (SELECT registration_id FROM registration_event_cancelled)`
	forgetCancelledWithEventSQL = `DELETE FROM registration_event_cancelled
WHERE registration_id IN (SELECT id FROM registrations WHERE event_id = ?)`
	forgetCancelledWithEventOfSQL = `DELETE FROM registration_event_cancelled WHERE registration_id = ?`
)

// cancelWithEventTx cancels the active registrations of a cancelled event
// (their pending reminders were cancelled by replanEvent), noting that the
// event is why: they show as cancelled, and come back with the event.
func (s *Store) cancelWithEventTx(ctx context.Context, tx *sql.Tx, eventID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, noteCancelledWithEventSQL, now, eventID, RegistrationActive); err != nil {
		return fmt.Errorf("cancel registrations of event #%d: %w", eventID, err)
	}
	if _, err := tx.ExecContext(ctx, cancelWithEventSQL, RegistrationCancelled, now, now, eventID, RegistrationActive); err != nil {
		return fmt.Errorf("cancel registrations of event #%d: %w", eventID, err)
	}
	return nil
}

// reviveWithEventTx brings back the registrations that were cancelled with
// their event, now restored; replanEvent then plans their reminders.
func (s *Store) reviveWithEventTx(ctx context.Context, tx *sql.Tx, eventID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, reviveWithEventSQL, RegistrationActive, now, eventID, RegistrationCancelled); err != nil {
		return fmt.Errorf("revive registrations of event #%d: %w", eventID, err)
	}
	if _, err := tx.ExecContext(ctx, forgetCancelledWithEventSQL, eventID); err != nil {
		return fmt.Errorf("revive registrations of event #%d: %w", eventID, err)
	}
	return nil
}
