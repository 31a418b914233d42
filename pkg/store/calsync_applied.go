package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RulesApplied is where the last successful application of a calendar's
// rules left off: calendar-sync then matches only what is new to the rules.
type RulesApplied struct {
	// AppliedAt: the events written at or after it (their updated_at) are
	// new to the rules.
	AppliedAt time.Time
	// WindowTo is the end of the window the rules were applied to: events
	// that start at or after it are new to them.
	WindowTo time.Time
	// Rules are the versions of the rules applied, by rule id: a rule
	// missing, or of another version, is new to the events.
	Rules map[int64]string
	// GroupRules are the versions of the group rules applied (written
	// "g<id>:<version>"), by group rule id, as Rules.
	GroupRules map[int64]string
}

const rulesAppliedSQL = `SELECT applied_at, window_to, rules FROM calendar_rules_applied WHERE calendar_id = ?`

// RulesAppliedTo returns where the rules of calendar calendarID were last
// applied; ok is false when they never were (since this was recorded).
func (s *Store) RulesAppliedTo(ctx context.Context, calendarID int64) (r RulesApplied, ok bool, err error) {
	var at, to anyTime
	var rules string
	err = s.db.QueryRowContext(ctx, rulesAppliedSQL, calendarID).Scan(&at, &to, &rules)
	if errors.Is(err, sql.ErrNoRows) {
		return RulesApplied{}, false, nil
	}
	if err != nil {
		return RulesApplied{}, false, fmt.Errorf("rules applied to calendar #%d: %w", calendarID, err)
	}
	r = RulesApplied{AppliedAt: at.Time, WindowTo: to.Time, Rules: make(map[int64]string), GroupRules: make(map[int64]string)}
	for _, f := range strings.Fields(rules) {
		id, version, found := strings.Cut(f, ":")
		into := r.Rules
		if digits, group := strings.CutPrefix(id, "g"); group {
			id, into = digits, r.GroupRules
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if !found || err != nil {
			// Unreadable: apply every rule again, as if never.
			return RulesApplied{}, false, nil
		}
		into[n] = version
	}
	return r, true, nil
}

var recordRulesAppliedSQL = map[Dialect]string{
	MySQL: `INSERT INTO calendar_rules_applied (calendar_id, applied_at, window_to, rules) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE applied_at = VALUES(applied_at), window_to = VALUES(window_to), rules = VALUES(rules)`,
	SQLite: `INSERT INTO calendar_rules_applied (calendar_id, applied_at, window_to, rules) VALUES (?, ?, ?, ?)
ON CONFLICT (calendar_id) DO UPDATE SET applied_at = excluded.applied_at, window_to = excluded.window_to, rules = excluded.rules`,
}

// RecordRulesApplied notes where an application of the rules of calendar
// calendarID, which succeeded, left off. ErrNotFound if there is no such
// calendar. A version holds no space.
func (s *Store) RecordRulesApplied(ctx context.Context, calendarID int64, r RulesApplied) error {
	var b strings.Builder
	for _, set := range []struct {
		prefix   string
		versions map[int64]string
	}{{"", r.Rules}, {"g", r.GroupRules}} {
		ids := make([]int64, 0, len(set.versions))
		for id := range set.versions {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(set.prefix)
			b.WriteString(strconv.FormatInt(id, 10))
			b.WriteByte(':')
			b.WriteString(set.versions[id])
		}
	}
	// Floor to the column's microsecond: an event written in the same
	// microsecond counts as new, never the other way round.
	_, err := s.db.ExecContext(ctx, recordRulesAppliedSQL[s.dialect], calendarID, dbTime(r.AppliedAt), dbTime(r.WindowTo), b.String())
	if isForeignKeyViolation(err) {
		return fmt.Errorf("calendar #%d: %w", calendarID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("record rules applied to calendar #%d: %w", calendarID, err)
	}
	return nil
}

const eventsNewToRulesSQL = `SELECT ` + eventColumns + ` FROM events
WHERE calendar_id = ? AND status = ? AND start_at >= ? AND start_at < ? AND (updated_at >= ? OR start_at >= ?)
ORDER BY start_at, id`

// EventsNewToRules lists the confirmed events of calendar calendarID that
// start in [from, to) and are new to rules applied as r says: written at or
// after r.AppliedAt, or starting at or after r.WindowTo.
func (s *Store) EventsNewToRules(ctx context.Context, calendarID int64, from, to time.Time, r RulesApplied) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, eventsNewToRulesSQL, calendarID, EventConfirmed, ceilMicrosecond(from), ceilMicrosecond(to),
		dbTime(r.AppliedAt), ceilMicrosecond(r.WindowTo))
	if err != nil {
		return nil, fmt.Errorf("events of calendar #%d new to its rules: %w", calendarID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events of calendar #%d new to its rules: %w", calendarID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of calendar #%d new to its rules: %w", calendarID, err)
	}
	return out, nil
}

const registrationsOfEventsViewHead = `SELECT r.id, r.user_id, r.event_id, r.rule_id, r.origin, r.status, u.registration_id
FROM registrations r LEFT JOIN registration_unmatched u ON u.registration_id = r.id
WHERE r.event_id IN `

// RegistrationsOfEvents lists the registrations, active or cancelled, of
// the events eventIDs, as RegistrationsOfCalendar does.
func (s *Store) RegistrationsOfEvents(ctx context.Context, eventIDs []int64) ([]EventRegistration, error) {
	var out []EventRegistration
	for start := 0; start < len(eventIDs); start += maxIDsPerQuery {
		chunk := eventIDs[start:min(start+maxIDsPerQuery, len(eventIDs))]
		rows, err := s.db.QueryContext(ctx, registrationsOfEventsViewHead+inList(len(chunk))+` ORDER BY r.id`, idsAsArgs(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("registrations of events: %w", err)
		}
		for rows.Next() {
			var r EventRegistration
			var ruleID, unmatched sql.NullInt64
			if err := rows.Scan(&r.ID, &r.UserID, &r.EventID, &ruleID, &r.Origin, &r.Status, &unmatched); err != nil {
				rows.Close()
				return nil, fmt.Errorf("registrations of events: %w", err)
			}
			r.RuleID, r.Unmatched = ruleID.Int64, unmatched.Valid
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("registrations of events: %w", err)
		}
	}
	return out, nil
}
