package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// GroupRule reminds every member of a group, present and future, of the
// events whose title matches: calendar-sync makes one registration per
// member (origin "grouprule:<id>", see GroupRuleOrigin) on the member's
// own preferred channels and leads. Channels and Leads are the fallback
// for members who set no preferences. A member may mute it for themself.
//
// Group rules live in their own table, with their own ids (the shell
// writes them "g<id>"): a person's rule always has a person, which the
// panel, the API and calendar-sync rely on; a group rule has a group
// instead, and is read per member (MemberRules) as a person's rule is.
type GroupRule struct {
	ID         int64
	GroupID    int64
	GroupName  string // resolved to GroupID by CreateGroupRule when GroupID is 0
	Pattern    string
	CalendarID int64 // 0: every calendar
	Channels   []schedule.Channel
	Leads      []time.Duration
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The fallback of a new group rule for members who set no preferences,
// when its maker names none (rule add --group, the admin panel's form).
const (
	DefaultGroupRuleChannels = "push,email"
	DefaultGroupRuleLeads    = "15m"
)

// GroupRuleOrigin is the origin of the registrations group rule id makes.
func GroupRuleOrigin(id int64) string { return "grouprule:" + strconv.FormatInt(id, 10) }

// GroupRuleOfOrigin returns the group rule an origin names, or 0.
func GroupRuleOfOrigin(origin string) int64 {
	digits, ok := strings.CutPrefix(origin, "grouprule:")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

const groupRuleColumns = `gr.id, gr.group_id, g.name, gr.pattern, gr.calendar_id, gr.channels, gr.leads, gr.active, gr.created_at, gr.updated_at`

func scanGroupRule(row interface{ Scan(...any) error }, extra ...any) (GroupRule, error) {
	var r GroupRule
	var calendarID sql.NullInt64
	var channels, leads string
	var created, updated anyTime
	dest := []any{&r.ID, &r.GroupID, &r.GroupName, &r.Pattern, &calendarID, &channels, &leads, &r.Active, &created, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return GroupRule{}, err
	}
	r.CalendarID, r.CreatedAt, r.UpdatedAt = calendarID.Int64, created.Time, updated.Time
	var err error
	if r.Channels, r.Leads, err = decodeChannelsLeads(fmt.Sprintf("group rule #%d", r.ID), channels, leads); err != nil {
		return GroupRule{}, err
	}
	return r, nil
}

const createGroupRuleSQL = `INSERT INTO group_rules (group_id, pattern, calendar_id, channels, leads, active, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

const groupByIDSQL = `SELECT name FROM member_groups WHERE id = ?`

// CreateGroupRule adds r, active, and returns it as stored. Every problem
// is reported (as FieldErrors joined: "group", "pattern", "calendar",
// "channel", "lead") and nothing is written when there is one.
func (s *Store) CreateGroupRule(ctx context.Context, r GroupRule) (GroupRule, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		var err error
		if r.GroupID != 0 {
			err = tx.QueryRowContext(ctx, groupByIDSQL, r.GroupID).Scan(&r.GroupName)
		} else {
			r.GroupName = strings.ToLower(strings.TrimSpace(r.GroupName))
			err = tx.QueryRowContext(ctx, groupIDSQL, r.GroupName).Scan(&r.GroupID)
		}
		switch {
		case errors.Is(err, sql.ErrNoRows) && r.GroupID != 0:
			fe.add("group", "no group #%d", r.GroupID)
		case errors.Is(err, sql.ErrNoRows):
			fe.add("group", "no group %q (see pfsnotify group list)", r.GroupName)
		case err != nil:
			return fmt.Errorf("group %q: %w", r.GroupName, err)
		}
		if err := checkCalendarTx(ctx, tx, r.CalendarID, &fe); err != nil {
			return err
		}
		rule := Rule{Pattern: r.Pattern, Channels: r.Channels, Leads: r.Leads}
		rule.validate(&fe)
		r.Channels, r.Leads = rule.Channels, rule.Leads
		if err := fe.err(); err != nil {
			return err
		}
		now := s.clock()
		r.Active, r.CreatedAt, r.UpdatedAt = true, now, now
		res, err := tx.ExecContext(ctx, createGroupRuleSQL, r.GroupID, r.Pattern, nullInt64(r.CalendarID),
			schedule.FormatChannels(r.Channels), schedule.EncodeLeadSeconds(r.Leads), r.Active, now, now)
		if isForeignKeyViolation(err) { // the group or calendar went away since the checks above
			return &FieldError{Field: "group", Problem: fmt.Sprintf("group %s or calendar #%d no longer exists", r.GroupName, r.CalendarID)}
		}
		if err != nil {
			return fmt.Errorf("create group rule: %w", err)
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create group rule: %w", err)
		}
		return nil
	})
	if err != nil {
		return GroupRule{}, err
	}
	return r, nil
}

const groupRuleByIDSQL = `SELECT ` + groupRuleColumns + ` FROM group_rules gr JOIN member_groups g ON g.id = gr.group_id WHERE gr.id = ?`

// GroupRuleByID finds a group rule by id; ErrNotFound if none.
func (s *Store) GroupRuleByID(ctx context.Context, id int64) (GroupRule, error) {
	r, err := scanGroupRule(s.db.QueryRowContext(ctx, groupRuleByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return GroupRule{}, fmt.Errorf("group rule g%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return GroupRule{}, fmt.Errorf("group rule g%d: %w", id, err)
	}
	return r, nil
}

// GroupRuleView is a group rule with what a listing shows next to it.
type GroupRuleView struct {
	GroupRule
	CalendarName string      // "" for a rule that watches every calendar
	Members      int         // people in its group
	Muted        []string    // logins of the people who muted it, sorted
	Notices      RuleNotices // of moves and cancellations; see SetGroupRuleNotices
}

// A group rule without a group_rule_notices row has DefaultRuleNotices: both on.
const listGroupRulesSQL = `SELECT ` + groupRuleColumns + `, c.name,
(SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = gr.group_id),
COALESCE(n.notify_moved, 1), COALESCE(n.notify_cancelled, 1)
FROM group_rules gr JOIN member_groups g ON g.id = gr.group_id LEFT JOIN calendars c ON c.id = gr.calendar_id
LEFT JOIN group_rule_notices n ON n.group_rule_id = gr.id
WHERE ? = 0 OR gr.group_id = ?
ORDER BY gr.id`

const groupRuleMutesSQL = `SELECT m.group_rule_id, u.login FROM group_rule_mutes m JOIN users u ON u.id = m.user_id
JOIN group_rules gr ON gr.id = m.group_rule_id WHERE ? = 0 OR gr.group_id = ? ORDER BY u.login`

// ListGroupRules lists the rules of group groupID (0: of every group), by id.
func (s *Store) ListGroupRules(ctx context.Context, groupID int64) ([]GroupRuleView, error) {
	rows, err := s.db.QueryContext(ctx, listGroupRulesSQL, groupID, groupID)
	if err != nil {
		return nil, fmt.Errorf("list group rules: %w", err)
	}
	defer rows.Close()
	var out []GroupRuleView
	at := make(map[int64]int)
	for rows.Next() {
		var v GroupRuleView
		var calendarName sql.NullString
		if v.GroupRule, err = scanGroupRule(rows, &calendarName, &v.Members, &v.Notices.Moved, &v.Notices.Cancelled); err != nil {
			return nil, fmt.Errorf("list group rules: %w", err)
		}
		v.CalendarName = calendarName.String
		at[v.ID] = len(out)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list group rules: %w", err)
	}
	mutes, err := s.db.QueryContext(ctx, groupRuleMutesSQL, groupID, groupID)
	if err != nil {
		return nil, fmt.Errorf("list group rules: %w", err)
	}
	defer mutes.Close()
	for mutes.Next() {
		var id int64
		var login string
		if err := mutes.Scan(&id, &login); err != nil {
			return nil, fmt.Errorf("list group rules: %w", err)
		}
		if i, ok := at[id]; ok {
			out[i].Muted = append(out[i].Muted, login)
		}
	}
	if err := mutes.Err(); err != nil {
		return nil, fmt.Errorf("list group rules: %w", err)
	}
	return out, nil
}

const (
	setGroupRuleActiveSQL = `UPDATE group_rules SET active = ?, updated_at = ? WHERE id = ?`
	groupRuleExistsSQL    = `SELECT 1 FROM group_rules WHERE id = ?`
)

// SetGroupRuleActive pauses (false) or resumes (true) a group rule;
// ErrNotFound if none. Pausing stops new registrations; those already made
// stay. calendar-sync applies a resumed rule to every upcoming event.
func (s *Store) SetGroupRuleActive(ctx context.Context, id int64, active bool) error {
	res, err := s.db.ExecContext(ctx, setGroupRuleActiveSQL, active, s.clock(), id)
	if err != nil {
		return fmt.Errorf("set group rule g%d active=%t: %w", id, active, err)
	}
	return s.updatedOrNotFound(ctx, res, groupRuleExistsSQL, id, fmt.Sprintf("set group rule g%d active=%t", id, active))
}

const removeGroupRuleSQL = `DELETE FROM group_rules WHERE id = ?`

const (
	activeOfOriginSQL         = `SELECT id FROM registrations WHERE origin = ? AND status = ?`
	cancelDeliveriesOfRegsSQL = `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE state = ? AND registration_id IN `
	cancelRegistrationsSQL    = `UPDATE registrations SET status = ?, cancelled_at = ?, updated_at = ? WHERE status = ? AND id IN `
)

// cancelOriginTx cancels the active registrations of origin and their
// pending deliveries, noting why. The caller holds the lock of the group
// rule (which every maker of its registrations takes), so the plain read
// sees them all; they are then changed by id, which on MySQL locks those
// rows only, not every registration an origin scan would pass.
func (s *Store) cancelOriginTx(ctx context.Context, tx *sql.Tx, origin, why string) (regs, deliveries int, err error) {
	rows, err := tx.QueryContext(ctx, activeOfOriginSQL, origin, RegistrationActive)
	if err != nil {
		return 0, 0, fmt.Errorf("registrations of %s: %w", origin, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("registrations of %s: %w", origin, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("registrations of %s: %w", origin, err)
	}
	if regs, deliveries, err = s.cancelRegistrationsTx(ctx, tx, ids, why); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", origin, err)
	}
	return regs, deliveries, nil
}

// cancelRegistrationsTx cancels the active registrations ids and their
// pending deliveries, noting why, a few hundred per statement, and returns
// how many of each it cancelled.
func (s *Store) cancelRegistrationsTx(ctx context.Context, tx *sql.Tx, ids []int64, why string) (regs, deliveries int, err error) {
	now := s.clock()
	for start := 0; start < len(ids); start += maxIDsPerQuery {
		chunk := idsAsArgs(ids[start:min(start+maxIDsPerQuery, len(ids))])
		res, err := tx.ExecContext(ctx, cancelDeliveriesOfRegsSQL+inList(len(chunk)), append([]any{StateCancelled, why, now, StatePending}, chunk...)...)
		if err != nil {
			return 0, 0, fmt.Errorf("cancel deliveries: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, 0, fmt.Errorf("cancel deliveries: %w", err)
		}
		deliveries += int(n)
		res, err = tx.ExecContext(ctx, cancelRegistrationsSQL+inList(len(chunk)), append([]any{RegistrationCancelled, now, now, RegistrationActive}, chunk...)...)
		if err != nil {
			return 0, 0, fmt.Errorf("cancel registrations: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return 0, 0, fmt.Errorf("cancel registrations: %w", err)
		}
		regs += int(n)
	}
	return regs, deliveries, nil
}

// RemoveGroupRule deletes a group rule and, in the same transaction,
// cancels the registrations it made for every member and their pending
// deliveries; ErrNotFound if none. The registrations stay as history,
// origin "grouprule:<id>".
func (s *Store) RemoveGroupRule(ctx context.Context, id int64) (RuleRemoval, error) {
	var out RuleRemoval
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockGroupRuleTx(ctx, tx, id); err != nil {
			return err
		}
		var err error
		if out.Registrations, out.Deliveries, err = s.cancelOriginTx(ctx, tx, GroupRuleOrigin(id), "group rule removed"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, removeGroupRuleSQL, id); err != nil {
			return fmt.Errorf("remove group rule g%d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return RuleRemoval{}, err
	}
	return out, nil
}
