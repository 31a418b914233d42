package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Rule registers a person for every event whose title matches a regular
// expression: calendar-sync creates a registration (origin "rule:<id>")
// for each matching event.
type Rule struct {
	ID         int64
	UserID     int64
	Pattern    string // RE2, matched against event titles
	CalendarID int64  // the calendar it watches; 0: every calendar
	Channels   []schedule.Channel
	Leads      []time.Duration // longest first, no duplicates
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// GroupRuleID is set on a group rule as it applies to one member (see
	// MemberRules): ID is then 0, UserID the member, Channels and Leads
	// theirs.
	GroupRuleID int64
}

// Origin is the origin of the registrations r makes: "rule:<id>", or
// "grouprule:<id>" for a group rule's.
func (r Rule) Origin() string {
	if r.GroupRuleID != 0 {
		return GroupRuleOrigin(r.GroupRuleID)
	}
	return "rule:" + strconv.FormatInt(r.ID, 10)
}

// maxRulePattern is the size of rules.pattern.
const maxRulePattern = 1024

// validate checks and normalizes the fields that need no database: the
// pattern compiles, channels are known (kept once each, in order), leads
// are whole seconds from 0 to schedule.MaxLead (sorted longest first,
// without duplicates).
func (r *Rule) validate(fe *fieldErrors) {
	switch n := len([]rune(r.Pattern)); {
	case r.Pattern == "":
		fe.add("pattern", "is empty: use .* to match every title")
	case n > maxRulePattern:
		fe.add("pattern", "is %d characters long; at most %d", n, maxRulePattern)
	default:
		if _, err := regexp.Compile(r.Pattern); err != nil {
			fe.add("pattern", "%v", err)
		}
	}
	r.Channels, r.Leads = checkChannelsLeads(fe, r.Channels, r.Leads)
}

// checkChannelsLeads checks and normalizes the channels and lead times of a
// rule or of a person's preferences: at least one of each; channels known,
// kept once each, in order; leads whole seconds from 0 to
// schedule.MaxLead, sorted longest first, without duplicates, at most
// MaxLeads.
func checkChannelsLeads(fe *fieldErrors, channels []schedule.Channel, leads []time.Duration) ([]schedule.Channel, []time.Duration) {
	if len(channels) == 0 {
		fe.add("channel", "none given")
	}
	var kept []schedule.Channel
	for _, c := range channels {
		parsed, err := schedule.ParseChannel(string(c))
		if err != nil {
			fe.add("channel", "%v", err)
			continue
		}
		if !slices.Contains(kept, parsed) {
			kept = append(kept, parsed)
		}
	}
	if len(leads) == 0 {
		fe.add("lead", "none given")
	}
	for _, l := range leads {
		switch {
		case l < 0:
			fe.add("lead", "%s is negative: a reminder comes before the event", l)
		case l > schedule.MaxLead:
			fe.add("lead", "%s is more than 30 days", l)
		case l%time.Second != 0:
			fe.add("lead", "%s is not a whole number of seconds", l)
		}
	}
	leads = slices.Clone(leads)
	slices.SortFunc(leads, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	leads = slices.Compact(leads)
	if len(leads) > MaxLeads {
		fe.add("lead", "%d lead times given; at most %d", len(leads), MaxLeads)
	}
	return kept, leads
}

const ruleColumns = `r.id, r.user_id, r.pattern, r.calendar_id, r.channels, r.leads, r.active, r.created_at, r.updated_at`

// scanRule reads ruleColumns and then extra.
func scanRule(row interface{ Scan(...any) error }, extra ...any) (Rule, error) {
	var r Rule
	var calendarID sql.NullInt64
	var channels, leads string
	var created, updated anyTime
	dest := []any{&r.ID, &r.UserID, &r.Pattern, &calendarID, &channels, &leads, &r.Active, &created, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Rule{}, err
	}
	r.CalendarID, r.CreatedAt, r.UpdatedAt = calendarID.Int64, created.Time, updated.Time
	var err error
	if r.Channels, r.Leads, err = decodeChannelsLeads(fmt.Sprintf("rule #%d", r.ID), channels, leads); err != nil {
		return Rule{}, err
	}
	return r, nil
}

const userStateSQL = `SELECT login, disabled FROM users WHERE id = ?`

// checkUserTx adds a "user" field error to fe when user id does not exist
// or is disabled: such a user gets nothing new. With lock, the user's row
// stays locked (on MySQL) until the transaction ends, which serializes the
// writers of that user's rows.
func (s *Store) checkUserTx(ctx context.Context, tx *sql.Tx, id int64, lock bool, fe *fieldErrors) error {
	query := userStateSQL
	if lock {
		query += s.forUpdate()
	}
	var login string
	var disabled bool
	switch err := tx.QueryRowContext(ctx, query, id).Scan(&login, &disabled); {
	case errors.Is(err, sql.ErrNoRows):
		fe.add("user", "no user #%d", id)
	case err != nil:
		return fmt.Errorf("user #%d: %w", id, err)
	case disabled:
		fe.add("user", "%s is disabled", login)
	}
	return nil
}

const createRuleSQL = `INSERT INTO rules (user_id, pattern, calendar_id, channels, leads, active, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// checkCalendarTx adds a "calendar" field error to fe when calendar id
// (0: every calendar, nothing to check) does not exist.
func checkCalendarTx(ctx context.Context, tx *sql.Tx, id int64, fe *fieldErrors) error {
	if id == 0 {
		return nil
	}
	var one int
	switch err := tx.QueryRowContext(ctx, calendarExistsSQL, id).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		fe.add("calendar", "no calendar #%d", id)
	case err != nil:
		return fmt.Errorf("calendar #%d: %w", id, err)
	}
	return nil
}

// CreateRule adds r, active, and returns it as stored. Every problem is
// reported (as FieldErrors joined) and nothing is written when there is
// one: a pattern RE2 cannot compile, an unknown channel, a negative lead,
// a missing or disabled user, a missing calendar.
func (s *Store) CreateRule(ctx context.Context, r Rule) (Rule, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, r.UserID, false, &fe); err != nil {
			return err
		}
		if err := checkCalendarTx(ctx, tx, r.CalendarID, &fe); err != nil {
			return err
		}
		r.validate(&fe)
		if err := fe.err(); err != nil {
			return err
		}
		now := s.clock()
		r.Active, r.CreatedAt, r.UpdatedAt = true, now, now
		res, err := tx.ExecContext(ctx, createRuleSQL, r.UserID, r.Pattern, nullInt64(r.CalendarID),
			schedule.FormatChannels(r.Channels), schedule.EncodeLeadSeconds(r.Leads), r.Active, now, now)
		if isForeignKeyViolation(err) { // the user or calendar went away since the checks above
			return &FieldError{Field: "user", Problem: fmt.Sprintf("user #%d or calendar #%d no longer exists", r.UserID, r.CalendarID)}
		}
		if err != nil {
			return fmt.Errorf("create rule: %w", err)
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create rule: %w", err)
		}
		return nil
	})
	if err != nil {
		return Rule{}, err
	}
	return r, nil
}

const ruleByIDSQL = `SELECT ` + ruleColumns + ` FROM rules r WHERE r.id = ?`

// RuleByID finds a rule by id; ErrNotFound if none.
func (s *Store) RuleByID(ctx context.Context, id int64) (Rule, error) {
	r, err := scanRule(s.db.QueryRowContext(ctx, ruleByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, fmt.Errorf("rule #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Rule{}, fmt.Errorf("rule #%d: %w", id, err)
	}
	return r, nil
}

// RuleFilter narrows ListRules; the zero value lists every rule.
type RuleFilter struct {
	UserID int64
	// CalendarID lists the rules that apply to that calendar: those that
	// name it and those that watch every calendar.
	CalendarID int64
	ActiveOnly bool
}

// RuleView is a rule with what a listing shows next to it.
type RuleView struct {
	Rule
	UserLogin    string
	UserDisabled bool
	CalendarName string      // "" for a rule that watches every calendar
	Notices      RuleNotices // of moves and cancellations; see SetRuleNotices
}

// A rule without a rule_notices row has DefaultRuleNotices: both on.
const listRulesSQL = `SELECT ` + ruleColumns + `, u.login, u.disabled, c.name,
COALESCE(n.notify_moved, 1), COALESCE(n.notify_cancelled, 1)
FROM rules r JOIN users u ON u.id = r.user_id LEFT JOIN calendars c ON c.id = r.calendar_id
LEFT JOIN rule_notices n ON n.rule_id = r.id`

// ListRules lists the rules f selects, by id.
func (s *Store) ListRules(ctx context.Context, f RuleFilter) ([]RuleView, error) {
	var where []string
	var args []any
	if f.UserID != 0 {
		where, args = append(where, "r.user_id = ?"), append(args, f.UserID)
	}
	if f.CalendarID != 0 {
		where, args = append(where, "(r.calendar_id = ? OR r.calendar_id IS NULL)"), append(args, f.CalendarID)
	}
	if f.ActiveOnly {
		where, args = append(where, "r.active = ?"), append(args, true)
	}
	query := listRulesSQL
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY r.id"
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var out []RuleView
	for rows.Next() {
		var v RuleView
		var calendarName sql.NullString
		if v.Rule, err = scanRule(rows, &v.UserLogin, &v.UserDisabled, &calendarName, &v.Notices.Moved,
			&v.Notices.Cancelled); err != nil {
			return nil, fmt.Errorf("list rules: %w", err)
		}
		v.CalendarName = calendarName.String
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return out, nil
}

const setRuleActiveSQL = `UPDATE rules SET active = ?, updated_at = ? WHERE id = ?`

const ruleExistsSQL = `SELECT 1 FROM rules WHERE id = ?`

// SetRuleActive pauses (false) or resumes (true) a rule; ErrNotFound if
// none. Pausing stops new registrations; those already made stay.
func (s *Store) SetRuleActive(ctx context.Context, id int64, active bool) error {
	res, err := s.db.ExecContext(ctx, setRuleActiveSQL, active, s.clock(), id)
	if err != nil {
		return fmt.Errorf("set rule #%d active=%t: %w", id, active, err)
	}
	return s.updatedOrNotFound(ctx, res, ruleExistsSQL, id, fmt.Sprintf("set rule #%d active=%t", id, active))
}

// RuleRemoval reports what removing a rule cancelled.
type RuleRemoval struct {
	Registrations int // active registrations the rule had made, now cancelled
	Deliveries    int // their pending deliveries, now cancelled
}

const removeRuleSQL = `DELETE FROM rules WHERE id = ?`

// RemoveRule deletes a rule and, in the same transaction, cancels the
// registrations it made and their pending deliveries; ErrNotFound if none.
// The registrations stay as history: their rule_id becomes NULL (ON DELETE
// SET NULL) and their origin stays "rule:<id>".
func (s *Store) RemoveRule(ctx context.Context, id int64) (RuleRemoval, error) {
	var out RuleRemoval
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, ruleExistsSQL+s.forUpdate(), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("rule #%d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("rule #%d: %w", id, err)
		}
		if out.Registrations, out.Deliveries, err = s.cancelActive(ctx, tx, ofRule, id, "rule removed"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, removeRuleSQL, id); err != nil {
			return fmt.Errorf("remove rule #%d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return RuleRemoval{}, err
	}
	return out, nil
}
