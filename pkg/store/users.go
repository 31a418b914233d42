package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Role is what a user may do in the panel.
type Role string

// The roles.
const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// User is a member of the collaboration.
type User struct {
	ID           int64
	Login        string
	DisplayName  string
	Email        string
	Phone        string // E.164, or ""
	TimeZone     string // IANA
	Language     string // BCP 47, for spoken calls
	Role         Role
	PasswordHash string // "" when the user has no password
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// validate checks every field; phone must already be E.164 (see package phone).
func (u *User) validate() error {
	var fe fieldErrors
	if !loginPattern.MatchString(u.Login) {
		fe.add("login", "%q must be 1 to 64 lowercase letters, digits or . _ @ -, starting with a letter or digit", u.Login)
	}
	fe.tooLong("display_name", u.DisplayName, 255)
	fe.noControl("display_name", u.DisplayName)
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 255 {
			fe.add("email", "%q is not an email address like name@example.org", u.Email)
		}
	}
	if u.Phone != "" && !phone.IsE164(u.Phone) {
		fe.add("phone", "%q is not in E.164 form (+<country><number>)", u.Phone)
	}
	if _, err := schedule.LoadZone(u.TimeZone); err != nil {
		fe.add("time_zone", "%v", err)
	}
	if tag, err := language.Parse(u.Language); err != nil || len(u.Language) > 35 {
		fe.add("language", "%q is not a BCP 47 language tag like en-US or ja-JP", u.Language)
	} else {
		u.Language = tag.String()
	}
	if u.Role != RoleMember && u.Role != RoleAdmin {
		fe.add("role", "%q is not a role (member or admin)", u.Role)
	}
	return fe.err()
}

const userColumns = `id, login, display_name, email, phone, time_zone, language, role, password_hash, disabled, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var hash sql.NullString
	err := row.Scan(&u.ID, &u.Login, &u.DisplayName, &u.Email, &u.Phone, &u.TimeZone, &u.Language,
		&u.Role, &hash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt)
	u.PasswordHash = hash.String
	return u, err
}

const createUserSQL = `INSERT INTO users (login, display_name, email, phone, time_zone, language, role, password_hash, disabled, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateUser adds u and returns it as stored. The login is stored in lower case.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	if u.Role == "" {
		u.Role = RoleMember
	}
	if err := u.validate(); err != nil {
		return User{}, err
	}
	now := s.clock()
	u.CreatedAt, u.UpdatedAt = now, now
	res, err := s.db.ExecContext(ctx, createUserSQL, u.Login, u.DisplayName, u.Email, u.Phone, u.TimeZone,
		u.Language, u.Role, sql.NullString{String: u.PasswordHash, Valid: u.PasswordHash != ""}, u.Disabled, now, now)
	if isUniqueViolation(err) {
		return User{}, &FieldError{Field: "login", Problem: fmt.Sprintf("%q is taken", u.Login)}
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Login, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Login, err)
	}
	return u, nil
}

const userByLoginSQL = `SELECT ` + userColumns + ` FROM users WHERE login = ?`

// UserByLogin finds a user by login (case-insensitive); ErrNotFound if none.
func (s *Store) UserByLogin(ctx context.Context, login string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, userByLoginSQL, strings.ToLower(strings.TrimSpace(login))))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %q: %w", login, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", login, err)
	}
	return u, nil
}

const userByIDSQL = `SELECT ` + userColumns + ` FROM users WHERE id = ?`

// UserByID finds a user by id; ErrNotFound if none.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, userByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user #%d: %w", id, err)
	}
	return u, nil
}

const listUsersSQL = `SELECT ` + userColumns + ` FROM users ORDER BY login`

// ListUsers returns every user, disabled ones too, ordered by login.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, listUsersSQL)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// UserChanges lists the fields to change; nil leaves a field as it is.
type UserChanges struct {
	DisplayName  *string
	Email        *string
	Phone        *string // E.164 or "" to remove
	TimeZone     *string
	Language     *string
	Role         *Role
	PasswordHash *string // "" removes the password
	Disabled     *bool
}

const updateUserSQL = `UPDATE users SET display_name = ?, email = ?, phone = ?, time_zone = ?, language = ?, role = ?,
password_hash = ?, disabled = ?, updated_at = ? WHERE id = ?`

const deleteUserSessionsSQL = `DELETE FROM sessions WHERE user_id = ?`

const deleteAPITokensOfUserSQL = `DELETE FROM api_tokens WHERE user_id = ?`

// UpdateUser applies ch to the user with that login and returns the result.
// Nothing changes when any field is invalid. Disabling a user signs them
// out everywhere (their sessions are deleted in the same transaction). A
// new or removed password revokes the user's API tokens in the same
// transaction: whoever made a token with the old password (the reason to
// change it may be that someone else knew it) loses it with the password.
func (s *Store) UpdateUser(ctx context.Context, login string, ch UserChanges) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, userByLoginSQL, strings.ToLower(strings.TrimSpace(login))))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %q: %w", login, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("user %q: %w", login, err)
		}
		oldHash := u.PasswordHash
		ch.apply(&u)
		if err := u.validate(); err != nil {
			return err
		}
		u.UpdatedAt = s.clock()
		if _, err := tx.ExecContext(ctx, updateUserSQL, u.DisplayName, u.Email, u.Phone, u.TimeZone, u.Language, u.Role,
			sql.NullString{String: u.PasswordHash, Valid: u.PasswordHash != ""}, u.Disabled, u.UpdatedAt, u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.Login, err)
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, deleteUserSessionsSQL, u.ID); err != nil {
				return fmt.Errorf("revoke sessions of %s: %w", u.Login, err)
			}
		}
		if u.PasswordHash != oldHash {
			if _, err := tx.ExecContext(ctx, deleteAPITokensOfUserSQL, u.ID); err != nil {
				return fmt.Errorf("revoke api tokens of %s: %w", u.Login, err)
			}
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func (ch UserChanges) apply(u *User) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&u.DisplayName, ch.DisplayName)
	set(&u.Email, ch.Email)
	set(&u.Phone, ch.Phone)
	set(&u.TimeZone, ch.TimeZone)
	set(&u.Language, ch.Language)
	set(&u.PasswordHash, ch.PasswordHash)
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
	}
}
