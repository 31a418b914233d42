package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

const groupIDSQL = `SELECT id FROM member_groups WHERE name = ?`

const userIDsByLoginSQL = `SELECT id, login FROM users WHERE login IN (%s)`

// membersTx resolves a group name and logins in tx. An unknown group is
// ErrNotFound, and so are unknown logins, named all in one error.
func (s *Store) membersTx(ctx context.Context, tx *sql.Tx, group string, logins []string) (int64, []int64, error) {
	var groupID int64
	switch err := tx.QueryRowContext(ctx, groupIDSQL, strings.ToLower(strings.TrimSpace(group))).Scan(&groupID); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil, fmt.Errorf("group %q: %w", group, ErrNotFound)
	case err != nil:
		return 0, nil, fmt.Errorf("group %q: %w", group, err)
	}
	if len(logins) == 0 {
		return 0, nil, &FieldError{Field: "login", Problem: "none given"}
	}
	wanted := make([]string, 0, len(logins))
	for _, l := range logins {
		if l = strings.ToLower(strings.TrimSpace(l)); !slices.Contains(wanted, l) {
			wanted = append(wanted, l)
		}
	}
	args := make([]any, len(wanted))
	for i, l := range wanted {
		args[i] = l
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(userIDsByLoginSQL, placeholders(len(wanted))), args...)
	if err != nil {
		return 0, nil, fmt.Errorf("members of %s: %w", group, err)
	}
	defer rows.Close()
	found := make(map[string]int64)
	for rows.Next() {
		var id int64
		var login string
		if err := rows.Scan(&id, &login); err != nil {
			return 0, nil, fmt.Errorf("members of %s: %w", group, err)
		}
		found[login] = id
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("members of %s: %w", group, err)
	}
	var ids []int64
	var unknown []string
	for _, l := range wanted {
		if id, ok := found[l]; ok {
			ids = append(ids, id)
		} else {
			unknown = append(unknown, l)
		}
	}
	if len(unknown) > 0 {
		return 0, nil, fmt.Errorf("no such user: %s: %w", strings.Join(unknown, ", "), ErrNotFound)
	}
	return groupID, ids, nil
}

const addGroupMemberSQL = `INSERT INTO group_members (group_id, user_id, added_at) SELECT ?, ?, ? FROM users
WHERE id = ? AND NOT EXISTS (SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?)`

// AddGroupMembers puts the people with these logins in the group and
// returns how many were not in it already. Nothing changes when the group
// or any login is unknown.
func (s *Store) AddGroupMembers(ctx context.Context, group string, logins []string) (int, error) {
	added := 0
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		added = 0
		groupID, ids, err := s.membersTx(ctx, tx, group, logins)
		if err != nil {
			return err
		}
		now := s.clock()
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, addGroupMemberSQL, groupID, id, now, id, groupID, id)
			if err != nil {
				return fmt.Errorf("add user #%d to %s: %w", id, group, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("add user #%d to %s: %w", id, group, err)
			}
			added += int(n)
		}
		return nil
	})
	return added, err
}

const removeGroupMemberSQL = `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`

// RemoveGroupMembers takes the people with these logins out of the group
// and returns how many were in it. Each one leaving loses their pending
// reminders from the group's rules (the registrations are set aside, and
// come back if they join again); those of another rule of theirs for the
// same event stay. Nothing changes when the group or any login is unknown.
func (s *Store) RemoveGroupMembers(ctx context.Context, group string, logins []string) (int, error) {
	removed := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		removed = 0
		groupID, ids, err := s.membersTx(ctx, tx, group, logins)
		if err != nil {
			return err
		}
		rules, err := groupRulesOfGroupTx(ctx, tx, groupID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, removeGroupMemberSQL, groupID, id)
			if err != nil {
				return fmt.Errorf("remove user #%d from %s: %w", id, group, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("remove user #%d from %s: %w", id, group, err)
			}
			if n == 0 {
				continue
			}
			removed++
			if _, _, err := s.setAsideMemberRegistrationsTx(ctx, tx, id, rules, "left group "+strings.ToLower(strings.TrimSpace(group))); err != nil {
				return err
			}
		}
		return nil
	})
	return removed, err
}

// memberColumns are userColumns of users u, for scanUser.
const memberColumns = `u.id, u.login, u.display_name, u.email, u.phone, u.time_zone, u.language, u.role, u.password_hash,
u.disabled, u.created_at, u.updated_at`

const groupMembersSQL = `SELECT ` + memberColumns + ` FROM users u
JOIN group_members gm ON gm.user_id = u.id JOIN member_groups g ON g.id = gm.group_id
WHERE g.name = ? ORDER BY u.login`

// GroupMembers returns the people in a group, by login; ErrNotFound if
// there is no such group.
func (s *Store) GroupMembers(ctx context.Context, group string) ([]User, error) {
	g, err := s.GroupByName(ctx, group)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, groupMembersSQL, g.Name)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", g.Name, err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("members of %s: %w", g.Name, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("members of %s: %w", g.Name, err)
	}
	return out, nil
}
