package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// RuleNotices says whether the registrations a rule made are told, through
// their channels, that their event moved or was cancelled. Registrations
// made by hand for an event are told of both.
type RuleNotices struct {
	Moved     bool
	Cancelled bool
}

// DefaultRuleNotices is what a rule does until told otherwise: both.
var DefaultRuleNotices = RuleNotices{Moved: true, Cancelled: true}

const ruleNoticesSQL = `SELECT notify_moved, notify_cancelled FROM rule_notices WHERE rule_id = ?`

// RuleNotices returns the notices of rule id; ErrNotFound if there is no such rule.
func (s *Store) RuleNotices(ctx context.Context, id int64) (RuleNotices, error) {
	var n RuleNotices
	err := s.db.QueryRowContext(ctx, ruleNoticesSQL, id).Scan(&n.Moved, &n.Cancelled)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.RuleByID(ctx, id); err != nil {
			return RuleNotices{}, err
		}
		return DefaultRuleNotices, nil
	}
	if err != nil {
		return RuleNotices{}, fmt.Errorf("notices of rule #%d: %w", id, err)
	}
	return n, nil
}

var setRuleNoticesSQL = map[Dialect]string{
	MySQL: `INSERT INTO rule_notices (rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
	SQLite: `INSERT INTO rule_notices (rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (rule_id) DO UPDATE SET notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
}

// SetRuleNotices sets the notices of rule id; ErrNotFound if there is no such rule.
func (s *Store) SetRuleNotices(ctx context.Context, id int64, n RuleNotices) error {
	now := s.clock()
	_, err := s.db.ExecContext(ctx, setRuleNoticesSQL[s.dialect], id, n.Moved, n.Cancelled, now, n.Moved, n.Cancelled, now)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("rule #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set notices of rule #%d: %w", id, err)
	}
	return nil
}

// noticeRegistrationsSQL lists the active registrations of an event, of
// users not disabled, with the notices of the rule that made them (NULL: a
// registration made by hand, or a rule with the defaults).
const noticeRegistrationsSQL = `SELECT r.id, r.user_id, r.channels, n.notify_moved, n.notify_cancelled
FROM registrations r JOIN users u ON u.id = r.user_id LEFT JOIN rule_notices n ON n.rule_id = r.rule_id
WHERE r.event_id = ? AND r.status = ? AND u.disabled = ? ORDER BY r.id`

// createChangeNotices adds, inside the caller's transaction, a "moved" or
// "cancelled" delivery on each channel of each active registration of ev
// that wants it, when ev starts within window of now before or after the
// change: lead 0, due now, for the new start (a move) or the old one (a
// cancellation). The unique key of deliveries makes a second notice for
// the same start impossible. It returns how many it created.
func (s *Store) createChangeNotices(ctx context.Context, tx *sql.Tx, ev, old Event, change EventChange, window time.Duration, now time.Time) (int, error) {
	if window <= 0 {
		return 0, nil
	}
	within := func(t time.Time) bool { return t.After(now) && !t.After(now.Add(window)) }
	var kind DeliveryKind
	var occurrence time.Time
	switch {
	case change&ChangeCancelled != 0:
		if !within(old.StartAt) {
			return 0, nil
		}
		kind, occurrence = KindCancelled, old.StartAt
	case change&ChangeMoved != 0 && ev.Status == EventConfirmed && old.Status == EventConfirmed:
		if !ev.StartAt.After(now) || !within(old.StartAt) && !within(ev.StartAt) {
			return 0, nil
		}
		kind, occurrence = KindMoved, ev.StartAt
	default:
		return 0, nil
	}
	type target struct {
		reg      Registration
		channels []schedule.Channel
	}
	rows, err := tx.QueryContext(ctx, noticeRegistrationsSQL, ev.ID, RegistrationActive, false)
	if err != nil {
		return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	var targets []target
	for rows.Next() {
		var t target
		var channels string
		var moved, cancelled sql.NullBool
		if err := rows.Scan(&t.reg.ID, &t.reg.UserID, &channels, &moved, &cancelled); err != nil {
			rows.Close()
			return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
		}
		want := DefaultRuleNotices
		if moved.Valid {
			want = RuleNotices{Moved: moved.Bool, Cancelled: cancelled.Bool}
		}
		if kind == KindMoved && !want.Moved || kind == KindCancelled && !want.Cancelled {
			continue
		}
		if t.channels, err = schedule.ParseChannels(channels); err != nil {
			rows.Close()
			return 0, fmt.Errorf("registration #%d channels: %w", t.reg.ID, err)
		}
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	n := 0
	for _, t := range targets {
		planned := make([]schedule.Planned, 0, len(t.channels))
		for _, c := range t.channels {
			planned = append(planned, schedule.Planned{Channel: c, Lead: 0, OccurrenceAt: occurrence, DueAt: now})
		}
		created, err := s.insertDeliveries(ctx, tx, t.reg, kind, planned, now)
		if err != nil {
			return 0, err
		}
		n += len(created)
	}
	return n, nil
}
