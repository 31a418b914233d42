package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MemberRule is a group rule as it applies to one member: a Rule with
// GroupRuleID set, ID 0, UserID the member, and the member's preferred
// channels and leads (the group rule's when they set none).
type MemberRule struct {
	Rule
	JoinedAt time.Time // when the member joined the group: a new member is new to the events
}

// MemberRuleFilter narrows MemberRules; the zero value reads every active
// group rule for every member.
type MemberRuleFilter struct {
	// CalendarID reads the group rules that apply to that calendar: those
	// that name it and those that watch every calendar.
	CalendarID  int64
	GroupRuleID int64
	GroupID     int64
	UserID      int64
}

// memberRulesSQL reads the active group rules for each of their members
// who is enabled and has not muted the rule, with the member's preferences.
const memberRulesSQL = `SELECT gr.id, gr.pattern, gr.calendar_id, gr.channels, gr.leads, gr.created_at, gr.updated_at,
gm.user_id, gm.added_at, p.channels, p.leads
FROM group_rules gr JOIN group_members gm ON gm.group_id = gr.group_id JOIN users u ON u.id = gm.user_id
LEFT JOIN user_preferences p ON p.user_id = gm.user_id
LEFT JOIN group_rule_mutes m ON m.group_rule_id = gr.id AND m.user_id = gm.user_id
WHERE gr.active = ? AND u.disabled = ? AND m.user_id IS NULL`

// MemberRules reads the active group rules f selects, once per member who
// gets registrations from them (enabled, not muted), by rule then member.
func (s *Store) MemberRules(ctx context.Context, f MemberRuleFilter) ([]MemberRule, error) {
	query, args := memberRulesSQL, []any{true, false}
	if f.CalendarID != 0 {
		query, args = query+" AND (gr.calendar_id = ? OR gr.calendar_id IS NULL)", append(args, f.CalendarID)
	}
	if f.GroupRuleID != 0 {
		query, args = query+" AND gr.id = ?", append(args, f.GroupRuleID)
	}
	if f.GroupID != 0 {
		query, args = query+" AND gr.group_id = ?", append(args, f.GroupID)
	}
	if f.UserID != 0 {
		query, args = query+" AND gm.user_id = ?", append(args, f.UserID)
	}
	rows, err := s.db.QueryContext(ctx, query+" ORDER BY gr.id, gm.user_id", args...)
	if err != nil {
		return nil, fmt.Errorf("member rules: %w", err)
	}
	defer rows.Close()
	var out []MemberRule
	for rows.Next() {
		var m MemberRule
		var calendarID sql.NullInt64
		var channels, leads string
		var prefChannels, prefLeads sql.NullString
		var created, updated, joined anyTime
		if err := rows.Scan(&m.GroupRuleID, &m.Pattern, &calendarID, &channels, &leads, &created, &updated,
			&m.UserID, &joined, &prefChannels, &prefLeads); err != nil {
			return nil, fmt.Errorf("member rules: %w", err)
		}
		m.CalendarID, m.Active, m.CreatedAt, m.UpdatedAt, m.JoinedAt = calendarID.Int64, true, created.Time, updated.Time, joined.Time
		if prefChannels.Valid && prefLeads.Valid {
			channels, leads = prefChannels.String, prefLeads.String
		}
		what := fmt.Sprintf("member rules: group rule g%d for user #%d", m.GroupRuleID, m.UserID)
		if m.Channels, m.Leads, err = decodeChannelsLeads(what, channels, leads); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("member rules: %w", err)
	}
	return out, nil
}

// memberRuleStateSQL finds whether group rule (first ?) still makes
// registrations for member (second ?): it is active, they are in its
// group, enabled, and have not muted it. On MySQL it locks the rule and
// the membership (RemoveGroupRule and RemoveGroupMembers change them).
const memberRuleStateSQL = `SELECT gr.active FROM group_rules gr
JOIN group_members gm ON gm.group_id = gr.group_id AND gm.user_id = ?
JOIN users u ON u.id = gm.user_id
WHERE gr.id = ? AND u.disabled = ? AND NOT EXISTS (SELECT 1 FROM group_rule_mutes m WHERE m.group_rule_id = gr.id AND m.user_id = gm.user_id)`

type memberRuleKey struct{ groupRuleID, userID int64 }

// memberRuleUsable reports, caching in seen, whether group rule id still
// makes registrations for userID.
func (s *Store) memberRuleUsable(ctx context.Context, tx *sql.Tx, id, userID int64, seen map[memberRuleKey]bool) (bool, error) {
	k := memberRuleKey{id, userID}
	if ok, known := seen[k]; known {
		return ok, nil
	}
	var active bool
	err := tx.QueryRowContext(ctx, memberRuleStateSQL+s.forUpdate(), userID, id, false).Scan(&active)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("group rule g%d for user #%d: %w", id, userID, err)
	}
	seen[k] = err == nil && active
	return seen[k], nil
}

const activeRegistrationsOfOriginSQL = `SELECT id FROM registrations WHERE user_id = ? AND origin = ? AND status = ?`

// setAsideMemberRegistrationsTx cancels a member's active registrations
// from group rules ruleIDs, and their pending deliveries (noting why),
// and notes them as unmatched: when the member joins again or unmutes the
// rule, calendar-sync brings back those whose events are still to come.
// It returns how many registrations and deliveries it cancelled.
func (s *Store) setAsideMemberRegistrationsTx(ctx context.Context, tx *sql.Tx, userID int64, ruleIDs []int64, why string) (regs, deliveries int, err error) {
	var ids []int64
	for _, ruleID := range ruleIDs {
		rows, err := tx.QueryContext(ctx, activeRegistrationsOfOriginSQL+s.forUpdate(), userID, GroupRuleOrigin(ruleID), RegistrationActive)
		if err != nil {
			return 0, 0, fmt.Errorf("registrations of group rule g%d for user #%d: %w", ruleID, userID, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, 0, fmt.Errorf("registrations of group rule g%d for user #%d: %w", ruleID, userID, err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, 0, fmt.Errorf("registrations of group rule g%d for user #%d: %w", ruleID, userID, err)
		}
	}
	if regs, deliveries, err = s.cancelRegistrationsTx(ctx, tx, ids, why); err != nil {
		return 0, 0, fmt.Errorf("group rules of user #%d: %w", userID, err)
	}
	now := s.clock()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, insertUnmatchedSQL[s.dialect], id, now); err != nil {
			return 0, 0, fmt.Errorf("note registration #%d as set aside: %w", id, err)
		}
	}
	return regs, deliveries, nil
}

const groupRulesOfGroupSQL = `SELECT id FROM group_rules WHERE group_id = ? ORDER BY id`

func groupRulesOfGroupTx(ctx context.Context, tx *sql.Tx, groupID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, groupRulesOfGroupSQL, groupID)
	if err != nil {
		return nil, fmt.Errorf("group rules of group #%d: %w", groupID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("group rules of group #%d: %w", groupID, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("group rules of group #%d: %w", groupID, err)
	}
	return ids, nil
}

var insertMuteSQL = map[Dialect]string{
	MySQL:  `INSERT INTO group_rule_mutes (group_rule_id, user_id, muted_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE group_rule_id = group_rule_id`,
	SQLite: `INSERT INTO group_rule_mutes (group_rule_id, user_id, muted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
}

const deleteMuteSQL = `DELETE FROM group_rule_mutes WHERE group_rule_id = ? AND user_id = ?`

// MuteGroupRule mutes group rule id for one person: it makes them nothing
// new, and their pending reminders from it are cancelled (returned as a
// RuleRemoval). ErrNotFound for no such rule; a FieldError "user" for no
// such or a disabled user. Muting twice changes nothing the second time.
func (s *Store) MuteGroupRule(ctx context.Context, id, userID int64) (RuleRemoval, error) {
	var out RuleRemoval
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		out = RuleRemoval{}
		if err := s.lockGroupRuleTx(ctx, tx, id); err != nil {
			return err
		}
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, userID, false, &fe); err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertMuteSQL[s.dialect], id, userID, s.clock()); err != nil {
			return fmt.Errorf("mute group rule g%d for user #%d: %w", id, userID, err)
		}
		var err error
		out.Registrations, out.Deliveries, err = s.setAsideMemberRegistrationsTx(ctx, tx, userID, []int64{id}, "group rule muted")
		return err
	})
	return out, err
}

// UnmuteGroupRule undoes MuteGroupRule: the rule makes the person
// registrations again (calsync.ApplyGroupRule brings back the upcoming
// ones at once; calendar-sync does at its next run). It reports whether
// the person had muted it; ErrNotFound for no such rule.
func (s *Store) UnmuteGroupRule(ctx context.Context, id, userID int64) (bool, error) {
	var was bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockGroupRuleTx(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, deleteMuteSQL, id, userID)
		if err != nil {
			return fmt.Errorf("unmute group rule g%d for user #%d: %w", id, userID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("unmute group rule g%d for user #%d: %w", id, userID, err)
		}
		if n > 0 { // a new version of the rule for calendar-sync: it applies it to every upcoming event again
			if _, err := tx.ExecContext(ctx, touchGroupRuleSQL, s.clock(), id); err != nil {
				return fmt.Errorf("unmute group rule g%d for user #%d: %w", id, userID, err)
			}
		}
		was = n > 0
		return nil
	})
	return was, err
}

const touchGroupRuleSQL = `UPDATE group_rules SET updated_at = ? WHERE id = ?`

func (s *Store) lockGroupRuleTx(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, groupRuleExistsSQL+s.forUpdate(), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("group rule g%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("group rule g%d: %w", id, err)
	}
	return nil
}

// cancelGroupRulesOfGroupTx cancels the active registrations every group
// rule of group groupID made, with their pending deliveries, before the
// group (and, by cascade, its rules) is deleted.
func (s *Store) cancelGroupRulesOfGroupTx(ctx context.Context, tx *sql.Tx, groupID int64) error {
	ids, err := groupRulesOfGroupTx(ctx, tx, groupID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.lockGroupRuleTx(ctx, tx, id); err != nil {
			return err
		}
		if _, _, err := s.cancelOriginTx(ctx, tx, GroupRuleOrigin(id), "group removed"); err != nil {
			return err
		}
	}
	return nil
}
