package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session is a signed-in browser of the panel. Its token (the cookie value)
// is given out once, by CreateSession; only its SHA-256 is stored.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// tokenHash is the hex SHA-256 of a session token, what the database keeps.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const createSessionSQL = `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`

// CreateSession signs user userID in for ttl and returns the session's
// token: 32 random bytes, base64url (43 characters), for the cookie. The
// token is not stored and cannot be had again. A missing or disabled user
// is a FieldError.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, Session, error) {
	var token string
	var sess Session
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, userID, false, &fe); err != nil {
			return err
		}
		if ttl <= 0 {
			fe.add("ttl", "%s is not a positive duration", ttl)
		}
		if err := fe.err(); err != nil {
			return err
		}
		var err error
		if token, err = newToken(); err != nil {
			return fmt.Errorf("create session of user #%d: %w", userID, err)
		}
		now := s.clock()
		sess = Session{UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: dbTime(now.Add(ttl))}
		res, err := tx.ExecContext(ctx, createSessionSQL, tokenHash(token), userID, now, now, sess.ExpiresAt)
		if err != nil {
			return fmt.Errorf("create session of user #%d: %w", userID, err)
		}
		if sess.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create session of user #%d: %w", userID, err)
		}
		return nil
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// sessionByTokenSQL reads a session and its user, userColumns last.
var sessionByTokenSQL = `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, ` + qualify("u", userColumns) + `
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`

// qualify prefixes each of a comma-separated list of columns with alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// SessionByToken finds the session of a cookie's token and its user.
// ErrNotFound when the token is unknown, the session has expired or the
// user is disabled: in every case the browser is signed out.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, User, error) {
	var sess Session
	var created, lastSeen, expires anyTime
	u, err := scanUser(prefixScanner{
		row:    s.db.QueryRowContext(ctx, sessionByTokenSQL, tokenHash(token)),
		prefix: []any{&sess.ID, &sess.UserID, &created, &lastSeen, &expires},
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = created.Time, lastSeen.Time, expires.Time
	if !sess.ExpiresAt.After(s.clock()) {
		return Session{}, User{}, fmt.Errorf("session #%d expired at %s: %w", sess.ID, sess.ExpiresAt.Format(time.RFC3339), ErrNotFound)
	}
	if u.Disabled {
		return Session{}, User{}, fmt.Errorf("session #%d: user %s is disabled: %w", sess.ID, u.Login, ErrNotFound)
	}
	return sess, u, nil
}

// prefixScanner scans prefix, then the destinations its caller passes:
// a scan function of one table reads its columns after another's.
type prefixScanner struct {
	row    interface{ Scan(...any) error }
	prefix []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.row.Scan(append(p.prefix, dest...)...) }

const touchSessionSQL = `UPDATE sessions SET last_seen_at = ? WHERE id = ?`

const sessionExistsSQL = `SELECT 1 FROM sessions WHERE id = ?`

// TouchSession records that the session was used at at; ErrNotFound if
// there is no such session.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, touchSessionSQL, dbTime(at), id)
	if err != nil {
		return fmt.Errorf("touch session #%d: %w", id, err)
	}
	return s.updatedOrNotFound(ctx, res, sessionExistsSQL, id, fmt.Sprintf("touch session #%d", id))
}

const deleteSessionSQL = `DELETE FROM sessions WHERE token_hash = ?`

// DeleteSession signs out the session of token; ErrNotFound if there is none.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	res, err := s.db.ExecContext(ctx, deleteSessionSQL, tokenHash(token))
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return rowsAffectedOrNotFound(res, "delete session")
}

const deleteExpiredSessionsSQL = `DELETE FROM sessions WHERE expires_at <= ?`

// DeleteExpiredSessions deletes the sessions expired at now and says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, deleteExpiredSessionsSQL, dbTime(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
