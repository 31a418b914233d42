package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RegistrationFilter narrows ListRegistrations; the zero value lists every
// active registration.
type RegistrationFilter struct {
	UserID           int64
	RuleID           int64
	EventID          int64
	CalendarID       int64              // registrations for events of this calendar
	Upcoming         bool               // only those whose start is still ahead
	IncludeCancelled bool               // every status, not only active ones
	Status           RegistrationStatus // only this status (overrides IncludeCancelled)
	Limit            int                // 0: no limit
}

// RegistrationView is a registration with what a listing shows next to it.
type RegistrationView struct {
	Registration
	UserLogin    string
	UserTimeZone string
	NextDueAt    time.Time // the next pending delivery; zero when none is pending
	Pending      int       // pending deliveries

	// What the person can be reached at, for telling registrations that
	// reach nobody.
	UserPhone string
	UserEmail string
	LivePush  int // push subscriptions not expired

	// CancelledWhy says why calendar-sync cancelled it (its event was
	// cancelled or removed, or no longer matches its rule); "" when it is
	// active, or was cancelled by a person.
	CancelledWhy string
}

// Why calendar-sync cancelled a registration (RegistrationView.CancelledWhy).
const (
	CancelledWithEvent = "its event was cancelled or removed from the calendar"
	CancelledUnmatched = "its event's title no longer matches the rule"
	// A group rule's registration is set aside (noted as unmatched, to
	// come back) when its person leaves the group or mutes the rule too.
	CancelledGroupRule = "its event's title no longer matches the group rule, or its person left the group or muted the rule"
)

// cancelledWhy says why calendar-sync cancelled a registration of this
// status and origin, from whether it is noted as cancelled with its event
// or as unmatched.
func cancelledWhy(status RegistrationStatus, origin string, withEvent, unmatched int) string {
	switch {
	case status != RegistrationCancelled:
	case withEvent > 0:
		return CancelledWithEvent
	case unmatched > 0 && GroupRuleOfOrigin(origin) != 0:
		return CancelledGroupRule
	case unmatched > 0:
		return CancelledUnmatched
	}
	return ""
}

const listRegistrationsSQL = `SELECT ` + registrationColumns + `, u.login, u.time_zone,
  (SELECT MIN(d.due_at) FROM deliveries d WHERE d.registration_id = r.id AND d.state = 'pending'),
  (SELECT COUNT(*) FROM deliveries d WHERE d.registration_id = r.id AND d.state = 'pending'),
  u.phone, u.email,
  (SELECT COUNT(*) FROM push_subscriptions p WHERE p.user_id = u.id AND p.expired_at IS NULL),
  (SELECT COUNT(*) FROM registration_event_cancelled c WHERE c.registration_id = r.id),
  (SELECT COUNT(*) FROM registration_unmatched m WHERE m.registration_id = r.id)
FROM registrations r JOIN users u ON u.id = r.user_id`

// ListRegistrations lists registrations by start, then id. The
// registrations that carry the panel's test notifications are left out.
func (s *Store) ListRegistrations(ctx context.Context, f RegistrationFilter) ([]RegistrationView, error) {
	where := []string{"r.origin <> ?"}
	args := []any{OriginTest}
	if f.UserID != 0 {
		where, args = append(where, "r.user_id = ?"), append(args, f.UserID)
	}
	if f.RuleID != 0 {
		where, args = append(where, "r.rule_id = ?"), append(args, f.RuleID)
	}
	if f.EventID != 0 {
		where, args = append(where, "r.event_id = ?"), append(args, f.EventID)
	}
	if f.CalendarID != 0 {
		where, args = append(where, "r.event_id IN (SELECT id FROM events WHERE calendar_id = ?)"), append(args, f.CalendarID)
	}
	if f.Upcoming {
		where, args = append(where, "r.start_at > ?"), append(args, s.clock())
	}
	switch {
	case f.Status != "":
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	case !f.IncludeCancelled:
		where, args = append(where, "r.status = ?"), append(args, RegistrationActive)
	}
	query := listRegistrationsSQL + " WHERE " + strings.Join(where, " AND ")
	query += " ORDER BY r.start_at, r.id"
	if f.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var out []RegistrationView
	for rows.Next() {
		var v RegistrationView
		var next anyTime
		var withEvent, unmatched int
		if v.Registration, err = scanRegistration(rows, &v.UserLogin, &v.UserTimeZone, &next, &v.Pending,
			&v.UserPhone, &v.UserEmail, &v.LivePush, &withEvent, &unmatched); err != nil {
			return nil, fmt.Errorf("list registrations: %w", err)
		}
		v.NextDueAt = next.Time
		v.CancelledWhy = cancelledWhy(v.Status, v.Origin, withEvent, unmatched)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list registrations: %w", err)
	}
	return out, nil
}

const registrationCancelledWhySQL = `SELECT r.status, r.origin,
  (SELECT COUNT(*) FROM registration_event_cancelled c WHERE c.registration_id = r.id),
  (SELECT COUNT(*) FROM registration_unmatched m WHERE m.registration_id = r.id)
FROM registrations r WHERE r.id = ?`

// RegistrationCancelledWhy says why calendar-sync cancelled registration
// id, as RegistrationView.CancelledWhy; ErrNotFound if there is none.
func (s *Store) RegistrationCancelledWhy(ctx context.Context, id int64) (string, error) {
	var status RegistrationStatus
	var origin string
	var withEvent, unmatched int
	err := s.db.QueryRowContext(ctx, registrationCancelledWhySQL, id).Scan(&status, &origin, &withEvent, &unmatched)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("registration #%d: %w", id, ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("registration #%d: %w", id, err)
	}
	return cancelledWhy(status, origin, withEvent, unmatched), nil
}
