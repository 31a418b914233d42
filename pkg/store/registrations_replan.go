package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Cancelled reports what cancelling one registration changed.
type Cancelled struct {
	Registration Registration
	Deliveries   int  // pending deliveries cancelled
	Already      bool // it was cancelled before: nothing changed
}

const cancelRegistrationSQL = `UPDATE registrations SET status = ?, cancelled_at = ?, updated_at = ? WHERE id = ? AND status = ?`

const cancelPendingDeliveriesSQL = `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?
WHERE registration_id = ? AND state = ?`

// CancelRegistrations cancels the registrations and their pending
// deliveries, all or none: an unknown id changes nothing. When ownerID is
// not 0, a registration of another user counts as unknown.
func (s *Store) CancelRegistrations(ctx context.Context, ids []int64, ownerID int64) ([]Cancelled, error) {
	now := s.clock()
	var out []Cancelled
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for _, id := range ids {
			r, err := scanRegistration(tx.QueryRowContext(ctx, registrationByIDSQL, id))
			if errors.Is(err, sql.ErrNoRows) || (err == nil && ownerID != 0 && r.UserID != ownerID) {
				return fmt.Errorf("registration #%d: %w", id, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("registration #%d: %w", id, err)
			}
			if r.Status == RegistrationCancelled {
				// Cancelled with its event, and now by the person too: it stays
				// cancelled if the event comes back.
				if _, err := tx.ExecContext(ctx, forgetCancelledWithEventOfSQL, id); err != nil {
					return fmt.Errorf("cancel registration #%d: %w", id, err)
				}
				out = append(out, Cancelled{Registration: r, Already: true})
				continue
			}
			if _, err := tx.ExecContext(ctx, cancelRegistrationSQL, RegistrationCancelled, now, now, id, RegistrationActive); err != nil {
				return fmt.Errorf("cancel registration #%d: %w", id, err)
			}
			res, err := tx.ExecContext(ctx, cancelPendingDeliveriesSQL, StateCancelled, "registration cancelled", now, id, StatePending)
			if err != nil {
				return fmt.Errorf("cancel deliveries of registration #%d: %w", id, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("cancel deliveries of registration #%d: %w", id, err)
			}
			r.Status, r.CancelledAt, r.UpdatedAt = RegistrationCancelled, now, now
			out = append(out, Cancelled{Registration: r, Deliveries: int(n)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// registrationScope is a WHERE fragment over registrations, with one ? for
// its argument: which registrations a removal cancels.
type registrationScope string

// The scopes of cancelActive.
const (
	ofRule     registrationScope = "rule_id = ?"
	ofCalendar registrationScope = "event_id IN (SELECT id FROM events WHERE calendar_id = ?)"
)

// cancelActive cancels, inside the caller's transaction, the active
// registrations in scope and their pending deliveries, noting why on the
// deliveries; it returns how many of each it cancelled.
func (s *Store) cancelActive(ctx context.Context, tx *sql.Tx, scope registrationScope, arg any, why string) (regs, deliveries int, err error) {
	now := s.clock()
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?
WHERE state = ? AND registration_id IN (SELECT id FROM registrations WHERE status = ? AND `+string(scope)+`)`,
		StateCancelled, why, now, StatePending, RegistrationActive, arg)
	if err != nil {
		return 0, 0, fmt.Errorf("cancel deliveries (%s): %w", why, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("cancel deliveries (%s): %w", why, err)
	}
	deliveries = int(n)
	res, err = tx.ExecContext(ctx, `UPDATE registrations SET status = ?, cancelled_at = ?, updated_at = ?
WHERE status = ? AND `+string(scope), RegistrationCancelled, now, now, RegistrationActive, arg)
	if err != nil {
		return 0, 0, fmt.Errorf("cancel registrations (%s): %w", why, err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return 0, 0, fmt.Errorf("cancel registrations (%s): %w", why, err)
	}
	return int(n), deliveries, nil
}

// Replanned reports what moving a registration changed.
type Replanned struct {
	Cancelled int                // pending reminders for the old start, cancelled
	Created   []Delivery         // reminders for the new start
	Skipped   []schedule.Planned // reminders for the new start that would be due in the past
}

// MoveRegistration moves an ad-hoc registration to a new start: its
// pending reminders for the old start are cancelled and those for the new
// start planned, in one transaction. Reminders already sent stay sent.
func (s *Store) MoveRegistration(ctx context.Context, id int64, start time.Time) (Replanned, error) {
	var out Replanned
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanRegistration(tx.QueryRowContext(ctx, registrationByIDSQL, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("registration #%d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("registration #%d: %w", id, err)
		}
		if r.Status != RegistrationActive {
			return &FieldError{Field: "registration", Problem: fmt.Sprintf("#%d is cancelled", id)}
		}
		if r.EventID != 0 {
			return &FieldError{Field: "registration", Problem: fmt.Sprintf("#%d follows event #%d: it moves when the event does", id, r.EventID)}
		}
		if !start.After(s.now()) {
			return &FieldError{Field: "start", Problem: fmt.Sprintf("%s is in the past", start.UTC().Format(time.RFC3339))}
		}
		out, err = s.replan(ctx, tx, r, start, "moved")
		return err
	})
	return out, err
}

const activeRegistrationsOfEventSQL = `SELECT ` + registrationColumns + ` FROM registrations r WHERE r.event_id = ? AND r.status = ?`

// replanEvent brings the pending deliveries of every active registration
// of ev in line with it, inside the caller's transaction: a cancelled
// event cancels them, a moved one moves them.
func (s *Store) replanEvent(ctx context.Context, tx *sql.Tx, ev Event, allDay schedule.AllDayAt) error {
	rows, err := tx.QueryContext(ctx, activeRegistrationsOfEventSQL, ev.ID, RegistrationActive)
	if err != nil {
		return fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	var regs []Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
		}
		regs = append(regs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	zones := make(map[int64]*time.Location)
	for _, r := range regs {
		if ev.Status == EventCancelled {
			if _, err := tx.ExecContext(ctx, cancelPendingDeliveriesSQL, StateCancelled, "event cancelled", s.clock(), r.ID, StatePending); err != nil {
				return fmt.Errorf("cancel deliveries of registration #%d: %w", r.ID, err)
			}
			continue
		}
		member, err := userZoneTx(ctx, tx, r.UserID, zones)
		if err != nil {
			return err
		}
		if _, err := s.replanLocal(ctx, tx, r, localEvent{start: ev.StartAt, zone: ev.TimeZone, allDay: ev.AllDay}, member, allDay, "event moved"); err != nil {
			return err
		}
	}
	return nil
}

const cancelStaleRemindersSQL = `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?
WHERE registration_id = ? AND kind = ? AND state = ? AND occurrence_at <> ?`

const reviveRemindersSQL = `UPDATE deliveries SET state = ?, last_error = NULL, next_attempt_at = due_at, updated_at = ?
WHERE registration_id = ? AND kind = ? AND state = ? AND occurrence_at = ? AND due_at > ?`

const moveRegistrationSQL = `UPDATE registrations SET start_at = ?, updated_at = ? WHERE id = ?`

// replan makes r's pending reminders match start: those for another start
// are cancelled (with why), those cancelled earlier for this very start
// come back, and the missing ones are created. The unique key keeps a
// reminder that was already sent for this start from being sent again.
func (s *Store) replan(ctx context.Context, tx *sql.Tx, r Registration, start time.Time, why string) (Replanned, error) {
	return s.replanWith(ctx, tx, r, start, why, func(now time.Time) ([]schedule.Planned, []schedule.Planned) {
		return schedule.Plan(dbTime(start), r.Channels, r.Leads, now)
	})
}

// replanLocal is replan for a registration of ev, as a member in member
// sees it (see planFor): all-day and floating events are local to them.
func (s *Store) replanLocal(ctx context.Context, tx *sql.Tx, r Registration, ev localEvent, member *time.Location,
	allDay schedule.AllDayAt, why string) (Replanned, error) {
	start := memberStart(ev.start, ev.zone, member)
	return s.replanWith(ctx, tx, r, start, why, func(now time.Time) ([]schedule.Planned, []schedule.Planned) {
		_, _, due, skipped := planFor(ev, member, r.Channels, r.Leads, allDay, now)
		return due, skipped
	})
}

// replanWith is replan with the reminders for start that plan returns.
func (s *Store) replanWith(ctx context.Context, tx *sql.Tx, r Registration, start time.Time, why string,
	plan func(now time.Time) (due, skipped []schedule.Planned)) (Replanned, error) {
	now := s.clock()
	start = dbTime(start)
	var out Replanned
	res, err := tx.ExecContext(ctx, cancelStaleRemindersSQL, StateCancelled, why, now, r.ID, KindReminder, StatePending, start)
	if err != nil {
		return out, fmt.Errorf("replan registration #%d: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return out, fmt.Errorf("replan registration #%d: %w", r.ID, err)
	}
	out.Cancelled = int(n)
	if _, err := tx.ExecContext(ctx, reviveRemindersSQL, StatePending, now, r.ID, KindReminder, StateCancelled, start, now); err != nil {
		return out, fmt.Errorf("replan registration #%d: %w", r.ID, err)
	}
	var due []schedule.Planned
	due, out.Skipped = plan(now)
	if out.Created, err = s.insertDeliveries(ctx, tx, r, KindReminder, due, now); err != nil {
		return out, err
	}
	if _, err := tx.ExecContext(ctx, moveRegistrationSQL, start, now, r.ID); err != nil {
		return out, fmt.Errorf("replan registration #%d: %w", r.ID, err)
	}
	return out, nil
}
