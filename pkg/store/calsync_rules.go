package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// EventRegistration is a registration for a calendar event, as
// calendar-sync weighs it when it applies rules.
type EventRegistration struct {
	ID      int64
	UserID  int64
	EventID int64
	RuleID  int64  // 0: made by hand, by a group rule, or by a rule since removed
	Origin  string // "manual", "rule:<id>", "grouprule:<id>" (GroupRuleOfOrigin)
	Status  RegistrationStatus
	// Unmatched: calendar-sync cancelled it because the event's title
	// stopped matching its rule; it comes back if the title matches again.
	Unmatched bool
}

const registrationsOfCalendarSQL = `SELECT r.id, r.user_id, r.event_id, r.rule_id, r.origin, r.status, u.registration_id
FROM registrations r JOIN events e ON e.id = r.event_id LEFT JOIN registration_unmatched u ON u.registration_id = r.id
WHERE e.calendar_id = ? AND e.start_at >= ? AND e.start_at < ?
ORDER BY r.id`

// RegistrationsOfCalendar lists the registrations, active or cancelled, for
// the events of calendar calendarID that start in [from, to).
func (s *Store) RegistrationsOfCalendar(ctx context.Context, calendarID int64, from, to time.Time) ([]EventRegistration, error) {
	rows, err := s.db.QueryContext(ctx, registrationsOfCalendarSQL, calendarID, ceilMicrosecond(from), ceilMicrosecond(to))
	if err != nil {
		return nil, fmt.Errorf("registrations of calendar #%d: %w", calendarID, err)
	}
	defer rows.Close()
	var out []EventRegistration
	for rows.Next() {
		var r EventRegistration
		var ruleID, unmatched sql.NullInt64
		if err := rows.Scan(&r.ID, &r.UserID, &r.EventID, &ruleID, &r.Origin, &r.Status, &unmatched); err != nil {
			return nil, fmt.Errorf("registrations of calendar #%d: %w", calendarID, err)
		}
		r.RuleID, r.Unmatched = ruleID.Int64, unmatched.Valid
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registrations of calendar #%d: %w", calendarID, err)
	}
	return out, nil
}

// RuleMatch is a rule whose pattern matches an event's title.
type RuleMatch struct {
	Rule  Rule
	Event Event // its ID is what counts: the rest is read again when the registration is made
}

// RuleChanges is what applying the rules to a calendar's upcoming events
// asks for.
type RuleChanges struct {
	Create  []RuleMatch // a registration (origin Rule.Origin) and its reminders for each
	Revive  []int64     // registrations cancelled as unmatched whose event matches again
	Unmatch []int64     // active rule registrations whose event no longer matches their rule
	// AllDayAt is when members are reminded of all-day events, in their
	// own zones; nil: schedule.DefaultAllDayAt.
	AllDayAt *schedule.AllDayAt
}

// RuleChangesApplied reports what ApplyRuleChanges did.
type RuleChangesApplied struct {
	Created    int // registrations made
	Deliveries int // reminders planned for them
	Revived    int
	Unmatched  int
	// TooLate counts matches left without a registration because every
	// reminder would already be due (the event is too close).
	TooLate int
	// Skipped counts the changes found done or no longer right when they
	// were made: the registration exists, the rule was paused or removed,
	// its user disabled, the event cancelled.
	Skipped int
}

// ruleApplyBatch is how many changes ApplyRuleChanges makes per transaction.
const ruleApplyBatch = 250

// ruleStateSQL reads whether a rule still makes registrations. On MySQL it
// locks the rule (RemoveRule locks it too), so that a registration is not
// made for a rule being removed.
const ruleStateSQL = `SELECT r.active, u.disabled FROM rules r JOIN users u ON u.id = r.user_id WHERE r.id = ?`

// ruleUsable reports, caching in seen, whether rule id exists, is active
// and belongs to an enabled user.
func (s *Store) ruleUsable(ctx context.Context, tx *sql.Tx, id int64, seen map[int64]bool) (bool, error) {
	if ok, known := seen[id]; known {
		return ok, nil
	}
	var active, disabled bool
	err := tx.QueryRowContext(ctx, ruleStateSQL+s.forUpdate(), id).Scan(&active, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("rule #%d: %w", id, err)
	}
	ok := err == nil && active && !disabled
	seen[id] = ok
	return ok, nil
}

// The multi-row form of insertRegistrationSQL, skipping a registration
// that exists already (the unique key: user, event, origin).
const bulkInsertRegistrationsHead = `INSERT INTO registrations (user_id, event_id, rule_id, origin, title, message, start_at, time_zone,
channels, leads, status, created_by, created_at, updated_at) VALUES `

var bulkInsertRegistrationsTail = map[Dialect]string{
	MySQL:  ` ON DUPLICATE KEY UPDATE id = id`,
	SQLite: ` ON CONFLICT DO NOTHING`,
}

const eventsForRegistrationHead = `SELECT id, title, start_at, time_zone, status, all_day FROM events WHERE id IN `

const registrationsOfEventsHead = `SELECT id, user_id, event_id, origin, status FROM registrations WHERE event_id IN `

// createdByCalendarSync is the created_by of the registrations rules make.
const createdByCalendarSync = "calendar-sync"

type regKey struct {
	userID, eventID int64
	origin          string
}

type regState struct {
	id     int64
	status RegistrationStatus
}

// registrationsOfEventsTx returns the registrations of the events, by
// (user, event, origin).
func registrationsOfEventsTx(ctx context.Context, tx *sql.Tx, eventIDs []int64) (map[regKey]regState, error) {
	out := make(map[regKey]regState)
	for start := 0; start < len(eventIDs); start += maxIDsPerQuery {
		chunk := eventIDs[start:min(start+maxIDsPerQuery, len(eventIDs))]
		rows, err := tx.QueryContext(ctx, registrationsOfEventsHead+inList(len(chunk)), idsAsArgs(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("registrations of events: %w", err)
		}
		for rows.Next() {
			var k regKey
			var st regState
			if err := rows.Scan(&st.id, &k.userID, &k.eventID, &k.origin, &st.status); err != nil {
				rows.Close()
				return nil, fmt.Errorf("registrations of events: %w", err)
			}
			out[k] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("registrations of events: %w", err)
		}
	}
	return out, nil
}

type eventState struct {
	title, zone, status string
	start               time.Time
	allDay              bool
}

// eventsForRegistrationTx reads what a registration takes from each event.
func eventsForRegistrationTx(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]eventState, error) {
	out := make(map[int64]eventState, len(ids))
	for start := 0; start < len(ids); start += maxIDsPerQuery {
		chunk := ids[start:min(start+maxIDsPerQuery, len(ids))]
		rows, err := tx.QueryContext(ctx, eventsForRegistrationHead+inList(len(chunk)), idsAsArgs(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		for rows.Next() {
			var id int64
			var e eventState
			var start anyTime
			if err := rows.Scan(&id, &e.title, &start, &e.zone, &e.status, &e.allDay); err != nil {
				rows.Close()
				return nil, fmt.Errorf("events: %w", err)
			}
			e.start = start.Time
			out[id] = e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
	}
	return out, nil
}

// createRuleRegistrationsTx makes the registrations of matches and their
// reminders, with a few multi-row statements: a full sync makes thousands.
// A match is skipped when its rule was paused or removed, or its user
// disabled, meanwhile; when its event is gone or cancelled; and when the
// registration exists (cancelled by its user, perhaps).
func (s *Store) createRuleRegistrationsTx(ctx context.Context, tx *sql.Tx, matches []RuleMatch, rules map[int64]bool,
	memberRules map[memberRuleKey]bool, allDay schedule.AllDayAt, out *RuleChangesApplied) error {
	if len(matches) == 0 {
		return nil
	}
	var eventIDs []int64
	seenEvent := make(map[int64]bool)
	for _, m := range matches {
		if !seenEvent[m.Event.ID] {
			seenEvent[m.Event.ID] = true
			eventIDs = append(eventIDs, m.Event.ID)
		}
	}
	events, err := eventsForRegistrationTx(ctx, tx, eventIDs)
	if err != nil {
		return err
	}
	existing, err := registrationsOfEventsTx(ctx, tx, eventIDs)
	if err != nil {
		return err
	}
	now := s.clock()
	var regs []Registration
	var planned [][]schedule.Planned
	var rows [][]any
	zones := make(map[int64]*time.Location)
	for _, m := range matches {
		var usable bool
		if m.Rule.GroupRuleID != 0 {
			usable, err = s.memberRuleUsable(ctx, tx, m.Rule.GroupRuleID, m.Rule.UserID, memberRules)
		} else {
			usable, err = s.ruleUsable(ctx, tx, m.Rule.ID, rules)
		}
		if err != nil {
			return err
		}
		ev, found := events[m.Event.ID]
		key := regKey{m.Rule.UserID, m.Event.ID, m.Rule.Origin()}
		if _, made := existing[key]; !usable || !found || ev.status != string(EventConfirmed) || made {
			out.Skipped++
			continue
		}
		member, err := userZoneTx(ctx, tx, m.Rule.UserID, zones)
		if err != nil {
			return err
		}
		start, zone, due, _ := planFor(localEvent{start: ev.start, zone: ev.zone, allDay: ev.allDay}, member, m.Rule.Channels, m.Rule.Leads, allDay, now)
		if len(due) == 0 {
			out.TooLate++
			continue
		}
		existing[key] = regState{} // once, even when a match repeats
		title := ev.title
		if title == "" {
			title = "(no title)"
		}
		reg := Registration{
			UserID: m.Rule.UserID, EventID: m.Event.ID, RuleID: m.Rule.ID, Origin: key.origin,
			Title: title, StartAt: dbTime(start), TimeZone: zone, Channels: m.Rule.Channels, Leads: m.Rule.Leads,
			Status: RegistrationActive, CreatedBy: createdByCalendarSync, CreatedAt: now, UpdatedAt: now,
		}
		regs, planned = append(regs, reg), append(planned, due)
		rows = append(rows, []any{reg.UserID, reg.EventID, nullInt64(reg.RuleID), reg.Origin, reg.Title, reg.Message, reg.StartAt, reg.TimeZone,
			schedule.FormatChannels(reg.Channels), schedule.EncodeLeadSeconds(reg.Leads), reg.Status, reg.CreatedBy, now, now})
	}
	if len(rows) == 0 {
		return nil
	}
	n, err := bulkInsert(ctx, tx, bulkInsertRegistrationsHead, bulkInsertRegistrationsTail[s.dialect], 14, rows)
	if err != nil {
		return fmt.Errorf("create registrations: %w", err)
	}
	out.Created += int(n)
	out.Skipped += len(rows) - int(n) // made by another process meanwhile
	made, err := registrationsOfEventsTx(ctx, tx, eventIDs)
	if err != nil {
		return err
	}
	// Reminders for every registration planned here that is active now
	// (another process making the same one plans the same reminders: the
	// unique key of deliveries keeps one of each).
	var withIDs []Registration
	var plans [][]schedule.Planned
	for i, reg := range regs {
		st, ok := made[regKey{reg.UserID, reg.EventID, reg.Origin}]
		if !ok || st.status != RegistrationActive {
			continue
		}
		reg.ID = st.id
		withIDs, plans = append(withIDs, reg), append(plans, planned[i])
	}
	d, err := s.insertDeliveriesBulk(ctx, tx, withIDs, KindReminder, plans, now)
	out.Deliveries += d
	return err
}

var insertUnmatchedSQL = map[Dialect]string{
	MySQL:  `INSERT INTO registration_unmatched (registration_id, unmatched_at) VALUES (?, ?) ON DUPLICATE KEY UPDATE registration_id = registration_id`,
	SQLite: `INSERT INTO registration_unmatched (registration_id, unmatched_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
}

func (s *Store) unmatchRegistrationTx(ctx context.Context, tx *sql.Tx, id int64, out *RuleChangesApplied) error {
	now := s.clock()
	res, err := tx.ExecContext(ctx, cancelRegistrationSQL, RegistrationCancelled, now, now, id, RegistrationActive)
	if err != nil {
		return fmt.Errorf("cancel registration #%d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cancel registration #%d: %w", id, err)
	} else if n == 0 {
		out.Skipped++ // cancelled meanwhile, or gone
		return nil
	}
	if _, err := tx.ExecContext(ctx, cancelPendingDeliveriesSQL, StateCancelled, "the event no longer matches the rule", now, id, StatePending); err != nil {
		return fmt.Errorf("cancel deliveries of registration #%d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, insertUnmatchedSQL[s.dialect], id, now); err != nil {
		return fmt.Errorf("note registration #%d as unmatched: %w", id, err)
	}
	out.Unmatched++
	return nil
}

const eventForLocalRegistrationSQL = `SELECT title, start_at, time_zone, status, all_day FROM events WHERE id = ?`

const deleteUnmatchedSQL = `DELETE FROM registration_unmatched WHERE registration_id = ?`

const retitleRegistrationSQL = `UPDATE registrations SET title = ? WHERE id = ?`

const reviveRegistrationSQL = `UPDATE registrations SET status = ?, cancelled_at = NULL, updated_at = ? WHERE id = ? AND status = ?`

func (s *Store) reviveRegistrationTx(ctx context.Context, tx *sql.Tx, id int64, allDay schedule.AllDayAt, out *RuleChangesApplied) error {
	r, err := scanRegistration(tx.QueryRowContext(ctx, registrationByIDSQL+s.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		out.Skipped++
		return nil
	}
	if err != nil {
		return fmt.Errorf("registration #%d: %w", id, err)
	}
	groupRuleID := GroupRuleOfOrigin(r.Origin)
	if r.Status != RegistrationCancelled || r.EventID == 0 || r.RuleID == 0 && groupRuleID == 0 {
		out.Skipped++
		return nil
	}
	var usable bool
	if groupRuleID != 0 {
		usable, err = s.memberRuleUsable(ctx, tx, groupRuleID, r.UserID, map[memberRuleKey]bool{})
	} else {
		usable, err = s.ruleUsable(ctx, tx, r.RuleID, map[int64]bool{})
	}
	if err != nil {
		return err
	}
	if !usable {
		out.Skipped++
		return nil
	}
	var title, zone, status string
	var start time.Time
	var wholeDay bool
	err = tx.QueryRowContext(ctx, eventForLocalRegistrationSQL, r.EventID).Scan(&title, &start, &zone, &status, &wholeDay)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (status != string(EventConfirmed) || !start.After(s.now())) {
		out.Skipped++
		return nil
	}
	if err != nil {
		return fmt.Errorf("event #%d: %w", r.EventID, err)
	}
	res, err := tx.ExecContext(ctx, deleteUnmatchedSQL, id)
	if err != nil {
		return fmt.Errorf("revive registration #%d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revive registration #%d: %w", id, err)
	} else if n == 0 {
		out.Skipped++ // cancelled by hand: it stays cancelled
		return nil
	}
	now := s.clock()
	if _, err := tx.ExecContext(ctx, reviveRegistrationSQL, RegistrationActive, now, id, RegistrationCancelled); err != nil {
		return fmt.Errorf("revive registration #%d: %w", id, err)
	}
	if title != "" && title != r.Title {
		if _, err := tx.ExecContext(ctx, retitleRegistrationSQL, title, id); err != nil {
			return fmt.Errorf("revive registration #%d: %w", id, err)
		}
	}
	r.Status = RegistrationActive
	member, err := userZoneTx(ctx, tx, r.UserID, map[int64]*time.Location{})
	if err != nil {
		return err
	}
	if _, err := s.replanLocal(ctx, tx, r, localEvent{start: start, zone: zone, allDay: wholeDay}, member, allDay, "event moved"); err != nil {
		return err
	}
	out.Revived++
	return nil
}
