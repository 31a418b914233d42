package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIToken is a per-user credential for the panel's JSON API (scripts,
// other sites). Its value is given out once, by CreateAPIToken; only its
// SHA-256 is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      string // TokenScopeAll or TokenScopeSend
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// The scopes of API tokens.
const (
	TokenScopeAll  = "all"  // what the token's person may do
	TokenScopeSend = "send" // only send messages (an admin's token for another system)
)

// APITokenPrefix starts every API token, so that one pasted where it does
// not belong (a log, a chat) is recognisable.
const APITokenPrefix = "pfs_"

// MaxAPITokens is how many API tokens one user may hold.
const MaxAPITokens = 20

const countAPITokensSQL = `SELECT COUNT(*) FROM api_tokens WHERE user_id = ?`

const createAPITokenSQL = `INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, NULL)`

// CreateAPIToken makes a token for user userID and returns its value
// (APITokenPrefix and 43 base64url characters). A missing or disabled
// user, an empty or long name, or too many tokens is a FieldError.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string) (string, APIToken, error) {
	return s.createAPIToken(ctx, userID, name, TokenScopeAll)
}

const userRoleSQL = `SELECT role FROM users WHERE id = ?`

// CreateSendToken makes a token that may only send messages, for another
// system, on behalf of admin userID; a user who is not an admin is a
// FieldError, as for CreateAPIToken.
func (s *Store) CreateSendToken(ctx context.Context, userID int64, name string) (string, APIToken, error) {
	var role Role
	switch err := s.db.QueryRowContext(ctx, userRoleSQL, userID).Scan(&role); {
	case errors.Is(err, sql.ErrNoRows):
		return "", APIToken{}, &FieldError{Field: "user", Problem: fmt.Sprintf("no user #%d", userID)}
	case err != nil:
		return "", APIToken{}, fmt.Errorf("user #%d: %w", userID, err)
	case role != RoleAdmin:
		return "", APIToken{}, &FieldError{Field: "user", Problem: "a send-only token acts for an admin: this user is not one"}
	}
	return s.createAPIToken(ctx, userID, name, TokenScopeSend)
}

func (s *Store) createAPIToken(ctx context.Context, userID int64, name, scope string) (string, APIToken, error) {
	name = strings.TrimSpace(name)
	var value string
	var tok APIToken
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, userID, true, &fe); err != nil {
			return err
		}
		if name == "" {
			fe.add("name", "is empty: say what the token is for, e.g. \"indico script\"")
		}
		fe.tooLong("name", name, 128)
		fe.noControl("name", name)
		var n int
		if err := tx.QueryRowContext(ctx, countAPITokensSQL, userID).Scan(&n); err != nil {
			return fmt.Errorf("count api tokens of user #%d: %w", userID, err)
		}
		if n >= MaxAPITokens {
			fe.add("name", "you have %d tokens already, the most there may be: revoke one first", n)
		}
		if err := fe.err(); err != nil {
			return err
		}
		raw, err := newToken()
		if err != nil {
			return err
		}
		value = APITokenPrefix + raw
		now := s.clock()
		res, err := tx.ExecContext(ctx, createAPITokenSQL, userID, name, scope, tokenHash(value), now)
		if err != nil {
			return fmt.Errorf("create api token of user #%d: %w", userID, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("create api token of user #%d: %w", userID, err)
		}
		tok = APIToken{ID: id, UserID: userID, Name: name, Scope: scope, CreatedAt: now}
		return nil
	})
	if err != nil {
		return "", APIToken{}, err
	}
	return value, tok, nil
}

var apiTokenUserSQL = `SELECT t.id, t.user_id, t.name, t.scope, t.created_at, t.last_used_at, ` + qualify("u", userColumns) + `
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`

const touchAPITokenSQL = `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`

// apiTokenTouchEvery is how stale last_used_at may be before a use writes it.
const apiTokenTouchEvery = time.Minute

// UserByAPIToken finds the token of value and its user, and records the
// use (at most once a minute). ErrNotFound when the token is unknown or
// the user disabled.
func (s *Store) UserByAPIToken(ctx context.Context, value string) (APIToken, User, error) {
	if !strings.HasPrefix(value, APITokenPrefix) {
		return APIToken{}, User{}, fmt.Errorf("api token: %w", ErrNotFound)
	}
	var tok APIToken
	var created, lastUsed anyTime
	u, err := scanUser(prefixScanner{
		row:    s.db.QueryRowContext(ctx, apiTokenUserSQL, tokenHash(value)),
		prefix: []any{&tok.ID, &tok.UserID, &tok.Name, &tok.Scope, &created, &lastUsed},
	})
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, User{}, fmt.Errorf("api token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, User{}, fmt.Errorf("api token: %w", err)
	}
	tok.CreatedAt, tok.LastUsedAt = created.Time, lastUsed.Time
	if u.Disabled {
		return APIToken{}, User{}, fmt.Errorf("api token #%d: user %s is disabled: %w", tok.ID, u.Login, ErrNotFound)
	}
	if now := s.clock(); now.Sub(tok.LastUsedAt) >= apiTokenTouchEvery {
		if _, err := s.db.ExecContext(ctx, touchAPITokenSQL, now, tok.ID); err != nil {
			return APIToken{}, User{}, fmt.Errorf("api token #%d: %w", tok.ID, err)
		}
		tok.LastUsedAt = now
	}
	return tok, u, nil
}

const listAPITokensSQL = `SELECT id, user_id, name, scope, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id`

// ListAPITokens lists a user's tokens, oldest first.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, listAPITokensSQL, userID)
	if err != nil {
		return nil, fmt.Errorf("list api tokens of user #%d: %w", userID, err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created, lastUsed anyTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Scope, &created, &lastUsed); err != nil {
			return nil, fmt.Errorf("list api tokens of user #%d: %w", userID, err)
		}
		t.CreatedAt, t.LastUsedAt = created.Time, lastUsed.Time
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api tokens of user #%d: %w", userID, err)
	}
	return out, nil
}

const deleteAPITokenSQL = `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`

// DeleteAPIToken revokes token id of user userID; ErrNotFound if there is
// none, or it belongs to someone else.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, deleteAPITokenSQL, id, userID)
	if err != nil {
		return fmt.Errorf("delete api token #%d: %w", id, err)
	}
	return rowsAffectedOrNotFound(res, fmt.Sprintf("delete api token #%d of user #%d", id, userID))
}
