package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	return s.readNotices(ctx, ruleNoticesSQL, fmt.Sprintf("rule #%d", id), id, func() error {
		_, err := s.RuleByID(ctx, id)
		return err
	})
}

var setRuleNoticesSQL = map[Dialect]string{
	MySQL: `INSERT INTO rule_notices (rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
	SQLite: `INSERT INTO rule_notices (rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (rule_id) DO UPDATE SET notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
}

// SetRuleNotices sets the notices of rule id; ErrNotFound if there is no such rule.
func (s *Store) SetRuleNotices(ctx context.Context, id int64, n RuleNotices) error {
	return s.writeNotices(ctx, setRuleNoticesSQL[s.dialect], fmt.Sprintf("rule #%d", id), id, n)
}

const groupRuleNoticesSQL = `SELECT notify_moved, notify_cancelled FROM group_rule_notices WHERE group_rule_id = ?`

// GroupRuleNotices returns the notices of group rule id, which the
// registrations it makes for every member follow; ErrNotFound if there is
// no such group rule.
func (s *Store) GroupRuleNotices(ctx context.Context, id int64) (RuleNotices, error) {
	return s.readNotices(ctx, groupRuleNoticesSQL, fmt.Sprintf("group rule g%d", id), id, func() error {
		_, err := s.GroupRuleByID(ctx, id)
		return err
	})
}

var setGroupRuleNoticesSQL = map[Dialect]string{
	MySQL: `INSERT INTO group_rule_notices (group_rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
	SQLite: `INSERT INTO group_rule_notices (group_rule_id, notify_moved, notify_cancelled, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (group_rule_id) DO UPDATE SET notify_moved = ?, notify_cancelled = ?, updated_at = ?`,
}

// SetGroupRuleNotices sets the notices of group rule id; ErrNotFound if
// there is no such group rule.
func (s *Store) SetGroupRuleNotices(ctx context.Context, id int64, n RuleNotices) error {
	return s.writeNotices(ctx, setGroupRuleNoticesSQL[s.dialect], fmt.Sprintf("group rule g%d", id), id, n)
}

// readNotices reads the notices row of what (a rule or a group rule) by
// query: no row is the defaults, when exists finds what.
func (s *Store) readNotices(ctx context.Context, query, what string, id int64, exists func() error) (RuleNotices, error) {
	var n RuleNotices
	err := s.db.QueryRowContext(ctx, query, id).Scan(&n.Moved, &n.Cancelled)
	if errors.Is(err, sql.ErrNoRows) {
		if err := exists(); err != nil {
			return RuleNotices{}, err
		}
		return DefaultRuleNotices, nil
	}
	if err != nil {
		return RuleNotices{}, fmt.Errorf("notices of %s: %w", what, err)
	}
	return n, nil
}

// writeNotices upserts the notices row of what by upsert, whose foreign
// key finds what.
func (s *Store) writeNotices(ctx context.Context, upsert, what string, id int64, n RuleNotices) error {
	now := s.clock()
	_, err := s.db.ExecContext(ctx, upsert, id, n.Moved, n.Cancelled, now, n.Moved, n.Cancelled, now)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set notices of %s: %w", what, err)
	}
	return nil
}

// noticeRegistrationsSQL lists the active registrations of an event, of
// users not disabled, with their origin and the notices of the rule that
// made them (NULL: a registration made by hand, a rule with the defaults,
// or a group rule, whose notices groupRuleNoticesTx reads).
const noticeRegistrationsSQL = `SELECT r.id, r.user_id, r.channels, r.origin, n.notify_moved, n.notify_cancelled
FROM registrations r JOIN users u ON u.id = r.user_id LEFT JOIN rule_notices n ON n.rule_id = r.rule_id
WHERE r.event_id = ? AND r.status = ? AND u.disabled = ? ORDER BY r.id`

const groupRuleNoticesInSQL = `SELECT group_rule_id, notify_moved, notify_cancelled FROM group_rule_notices WHERE group_rule_id IN `

// groupRuleNoticesTx reads the notices of the group rules ids that have a
// row (the others have the defaults).
func groupRuleNoticesTx(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]RuleNotices, error) {
	out := make(map[int64]RuleNotices)
	for start := 0; start < len(ids); start += maxIDsPerQuery {
		chunk := idsAsArgs(ids[start:min(start+maxIDsPerQuery, len(ids))])
		rows, err := tx.QueryContext(ctx, groupRuleNoticesInSQL+inList(len(chunk)), chunk...)
		if err != nil {
			return nil, fmt.Errorf("notices of group rules: %w", err)
		}
		for rows.Next() {
			var id int64
			var n RuleNotices
			if err := rows.Scan(&id, &n.Moved, &n.Cancelled); err != nil {
				rows.Close()
				return nil, fmt.Errorf("notices of group rules: %w", err)
			}
			out[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("notices of group rules: %w", err)
		}
	}
	return out, nil
}

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
		reg       Registration
		channels  string
		want      RuleNotices
		groupRule int64 // the group rule that made it, or 0
	}
	rows, err := tx.QueryContext(ctx, noticeRegistrationsSQL, ev.ID, RegistrationActive, false)
	if err != nil {
		return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	var targets []target
	var groupRules []int64
	for rows.Next() {
		var t target
		var origin string
		var moved, cancelled sql.NullBool
		if err := rows.Scan(&t.reg.ID, &t.reg.UserID, &t.channels, &origin, &moved, &cancelled); err != nil {
			rows.Close()
			return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
		}
		t.want = DefaultRuleNotices
		if moved.Valid {
			t.want = RuleNotices{Moved: moved.Bool, Cancelled: cancelled.Bool}
		}
		if t.groupRule = GroupRuleOfOrigin(origin); t.groupRule != 0 && !slices.Contains(groupRules, t.groupRule) {
			groupRules = append(groupRules, t.groupRule)
		}
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("registrations of event #%d: %w", ev.ID, err)
	}
	groupWants, err := groupRuleNoticesTx(ctx, tx, groupRules)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range targets {
		if want, ok := groupWants[t.groupRule]; ok {
			t.want = want
		}
		if kind == KindMoved && !t.want.Moved || kind == KindCancelled && !t.want.Cancelled {
			continue
		}
		channels, err := schedule.ParseChannels(t.channels)
		if err != nil {
			return 0, fmt.Errorf("registration #%d channels: %w", t.reg.ID, err)
		}
		planned := make([]schedule.Planned, 0, len(channels))
		for _, c := range channels {
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
