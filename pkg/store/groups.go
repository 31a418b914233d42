package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Group is a working group of members (instrument, data reduction, ...).
// Removing a group removes its memberships, never people or history.
type Group struct {
	ID          int64
	Name        string // like a login: lowercase letters, digits, . _ -
	Description string
	Members     int // how many people are in it, when read
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var groupNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// validate checks and normalizes the fields.
func (g *Group) validate() error {
	var fe fieldErrors
	g.Name = strings.ToLower(strings.TrimSpace(g.Name))
	if !groupNamePattern.MatchString(g.Name) {
		fe.add("name", "%q must be 1 to 64 lowercase letters, digits or . _ -, starting with a letter or digit", g.Name)
	}
	checkGroupDescription(&fe, g.Description)
	return fe.err()
}

// checkGroupDescription checks a group's description: at most 255
// characters, no control characters.
func checkGroupDescription(fe *fieldErrors, description string) {
	fe.tooLong("description", description, 255)
	fe.noControl("description", description)
}

const groupColumns = `g.id, g.name, g.description, g.created_at, g.updated_at,
(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)`

func scanGroup(row interface{ Scan(...any) error }) (Group, error) {
	var g Group
	var created, updated anyTime
	if err := row.Scan(&g.ID, &g.Name, &g.Description, &created, &updated, &g.Members); err != nil {
		return Group{}, err
	}
	g.CreatedAt, g.UpdatedAt = created.Time, updated.Time
	return g, nil
}

const createGroupSQL = `INSERT INTO member_groups (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)`

// CreateGroup adds g and returns it as stored: a FieldError for a bad name
// or description, ErrConflict when the name is taken.
func (s *Store) CreateGroup(ctx context.Context, g Group) (Group, error) {
	if err := g.validate(); err != nil {
		return Group{}, err
	}
	now := s.clock()
	res, err := s.db.ExecContext(ctx, createGroupSQL, g.Name, g.Description, now, now)
	if isUniqueViolation(err) {
		return Group{}, fmt.Errorf("group %s: %w", g.Name, ErrConflict)
	}
	if err != nil {
		return Group{}, fmt.Errorf("create group %s: %w", g.Name, err)
	}
	if g.ID, err = res.LastInsertId(); err != nil {
		return Group{}, fmt.Errorf("create group %s: %w", g.Name, err)
	}
	g.CreatedAt, g.UpdatedAt = now, now
	return g, nil
}

const (
	setGroupDescriptionSQL = `UPDATE member_groups SET description = ?, updated_at = ? WHERE id = ?`
	groupExistsSQL         = `SELECT 1 FROM member_groups WHERE id = ?`
)

// SetGroupDescription changes the description of group name and returns
// the group as stored: a FieldError for a description CreateGroup would
// refuse, ErrNotFound if there is no such group.
func (s *Store) SetGroupDescription(ctx context.Context, name, description string) (Group, error) {
	var fe fieldErrors
	checkGroupDescription(&fe, description)
	if err := fe.err(); err != nil {
		return Group{}, err
	}
	g, err := s.GroupByName(ctx, name)
	if err != nil {
		return Group{}, err
	}
	now := s.clock()
	res, err := s.db.ExecContext(ctx, setGroupDescriptionSQL, description, now, g.ID)
	if err != nil {
		return Group{}, fmt.Errorf("set description of group %s: %w", g.Name, err)
	}
	if err := s.updatedOrNotFound(ctx, res, groupExistsSQL, g.ID, "set description of group "+g.Name); err != nil {
		return Group{}, err
	}
	g.Description, g.UpdatedAt = description, now
	return g, nil
}

const groupByNameSQL = `SELECT ` + groupColumns + ` FROM member_groups g WHERE g.name = ?`

// GroupByName finds a group by name (case-insensitive); ErrNotFound if none.
func (s *Store) GroupByName(ctx context.Context, name string) (Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, groupByNameSQL, strings.ToLower(strings.TrimSpace(name))))
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, fmt.Errorf("group %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Group{}, fmt.Errorf("group %q: %w", name, err)
	}
	return g, nil
}

const listGroupsSQL = `SELECT ` + groupColumns + ` FROM member_groups g ORDER BY g.name`

// ListGroups returns every group with its member count, by name.
func (s *Store) ListGroups(ctx context.Context) ([]Group, error) {
	return s.queryGroups(ctx, "list groups", listGroupsSQL)
}

const groupsOfSQL = `SELECT ` + groupColumns + ` FROM member_groups g
JOIN group_members gm ON gm.group_id = g.id WHERE gm.user_id = ? ORDER BY g.name`

// GroupsOf returns the groups a person is in, by name.
func (s *Store) GroupsOf(ctx context.Context, userID int64) ([]Group, error) {
	return s.queryGroups(ctx, fmt.Sprintf("groups of user #%d", userID), groupsOfSQL, userID)
}

func (s *Store) queryGroups(ctx context.Context, what, query string, args ...any) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

const removeGroupSQL = `DELETE FROM member_groups WHERE name = ?`

// RemoveGroup deletes a group and its memberships; the people stay.
// ErrNotFound if there is no such group.
func (s *Store) RemoveGroup(ctx context.Context, name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		switch err := tx.QueryRowContext(ctx, groupIDSQL+s.forUpdate(), name).Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("group %q: %w", name, ErrNotFound)
		case err != nil:
			return fmt.Errorf("remove group %q: %w", name, err)
		}
		// Its rules go with it (ON DELETE CASCADE): first the reminders they made.
		if err := s.cancelGroupRulesOfGroupTx(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, removeGroupSQL, name); err != nil {
			return fmt.Errorf("remove group %q: %w", name, err)
		}
		return nil
	})
}
