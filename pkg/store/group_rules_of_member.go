package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MemberGroupRule is a group rule as one member of its group sees it: the
// rule, the calendar it watches and whether this member muted it.
type MemberGroupRule struct {
	GroupRule
	CalendarName string // "" for a rule that watches every calendar
	Muted        bool   // the member muted it for themself
}

// memberGroupRulesSQL reads the group rules of the groups a member (first
// ?) is in, paused ones too, with whether they muted each: through the
// member's memberships (group_members_user), each group's rules
// (group_rules_group) and the member's mute of each (the primary key of
// group_rule_mutes), never every rule of every group.
const memberGroupRulesSQL = `SELECT ` + groupRuleColumns + `, c.name, m.user_id
FROM group_members gm JOIN group_rules gr ON gr.group_id = gm.group_id JOIN member_groups g ON g.id = gr.group_id
LEFT JOIN calendars c ON c.id = gr.calendar_id
LEFT JOIN group_rule_mutes m ON m.group_rule_id = gr.id AND m.user_id = gm.user_id
WHERE gm.user_id = ?`

// MemberGroupRules lists the group rules that apply to person userID (the
// rules of the groups they are in, active or paused), with whether they
// muted each, by group name then rule id.
func (s *Store) MemberGroupRules(ctx context.Context, userID int64) ([]MemberGroupRule, error) {
	what := fmt.Sprintf("group rules of user #%d", userID)
	rows, err := s.db.QueryContext(ctx, memberGroupRulesSQL+" ORDER BY g.name, gr.id", userID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []MemberGroupRule
	for rows.Next() {
		r, err := scanMemberGroupRule(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// MemberGroupRule finds group rule id as it applies to person userID;
// ErrNotFound when there is no such rule or they are not in its group.
func (s *Store) MemberGroupRule(ctx context.Context, userID, id int64) (MemberGroupRule, error) {
	r, err := scanMemberGroupRule(s.db.QueryRowContext(ctx, memberGroupRulesSQL+" AND gr.id = ?", userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return MemberGroupRule{}, fmt.Errorf("group rule g%d of user #%d: %w", id, userID, ErrNotFound)
	}
	if err != nil {
		return MemberGroupRule{}, fmt.Errorf("group rule g%d of user #%d: %w", id, userID, err)
	}
	return r, nil
}

func scanMemberGroupRule(row interface{ Scan(...any) error }) (MemberGroupRule, error) {
	var r MemberGroupRule
	var calendarName sql.NullString
	var mutedBy sql.NullInt64
	var err error
	if r.GroupRule, err = scanGroupRule(row, &calendarName, &mutedBy); err != nil {
		return MemberGroupRule{}, err
	}
	r.CalendarName, r.Muted = calendarName.String, mutedBy.Valid
	return r, nil
}
