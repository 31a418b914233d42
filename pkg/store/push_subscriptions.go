package store

import (
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// PushSubscription is one browser's Web Push subscription (the JSON of the
// browser's PushSubscription: endpoint and keys), owned by one user.
type PushSubscription struct {
	ID                  int64
	UserID              int64
	Endpoint            string // the push service URL, https
	P256dh              string // the browser's P-256 public key, base64url without padding
	Auth                string // the 16-byte auth secret, base64url without padding
	UserAgent           string // the browser that subscribed, for people to tell them apart
	CreatedAt           time.Time
	LastSuccessAt       time.Time // the last push the service accepted; zero when none
	ConsecutiveFailures int       // failed pushes since the last success
	ExpiredAt           time.Time // when the push service said it is gone; zero while it works
}

// Limits of the subscription fields.
const (
	maxPushEndpoint  = 2048
	maxPushUserAgent = 512
)

// validate checks the endpoint and keys and writes the keys in their
// canonical form (base64url without padding); a too long user agent is cut.
func (p *PushSubscription) validate(fe *fieldErrors) {
	switch u, err := url.Parse(p.Endpoint); {
	case p.Endpoint == "":
		fe.add("endpoint", "is empty")
	case len(p.Endpoint) > maxPushEndpoint:
		fe.add("endpoint", "is %d characters long; at most %d", len(p.Endpoint), maxPushEndpoint)
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "" || u.User != nil ||
		strings.ContainsFunc(p.Endpoint, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		fe.add("endpoint", "%q is not an absolute https URL", p.Endpoint)
	}
	if key, err := decodeBase64URL(p.P256dh); err != nil {
		fe.add("p256dh", "is not base64url: %v", err)
	} else if len(key) != 65 || key[0] != 0x04 {
		fe.add("p256dh", "is %d bytes; want an uncompressed P-256 point (65 bytes starting with 0x04)", len(key))
	} else if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		fe.add("p256dh", "is not a point on the P-256 curve")
	} else {
		p.P256dh = base64.RawURLEncoding.EncodeToString(key)
	}
	if secret, err := decodeBase64URL(p.Auth); err != nil {
		fe.add("auth", "is not base64url: %v", err)
	} else if len(secret) != 16 {
		fe.add("auth", "is %d bytes; want 16", len(secret))
	} else {
		p.Auth = base64.RawURLEncoding.EncodeToString(secret)
	}
	p.UserAgent = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, p.UserAgent)
	if r := []rune(p.UserAgent); len(r) > maxPushUserAgent {
		p.UserAgent = string(r[:maxPushUserAgent])
	}
}

// decodeBase64URL reads base64url with or without padding; the standard
// alphabet (+ and /) is accepted too.
func decodeBase64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	s = strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(s), "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// endpointHash is the hex SHA-256 of an endpoint, its unique key.
func endpointHash(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(sum[:])
}

const pushSubscriptionColumns = `id, user_id, endpoint, p256dh, auth, user_agent, created_at, last_success_at, consecutive_failures, expired_at`

func scanPushSubscription(row interface{ Scan(...any) error }) (PushSubscription, error) {
	var p PushSubscription
	var created, lastSuccess, expired anyTime
	err := row.Scan(&p.ID, &p.UserID, &p.Endpoint, &p.P256dh, &p.Auth, &p.UserAgent, &created, &lastSuccess,
		&p.ConsecutiveFailures, &expired)
	p.CreatedAt, p.LastSuccessAt, p.ExpiredAt = created.Time, lastSuccess.Time, expired.Time
	return p, err
}

const pushSubscriptionByHashSQL = `SELECT ` + pushSubscriptionColumns + ` FROM push_subscriptions WHERE endpoint_hash = ?`

const insertPushSubscriptionSQL = `INSERT INTO push_subscriptions (user_id, endpoint, endpoint_hash, p256dh, auth, user_agent,
created_at, last_success_at, consecutive_failures, expired_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)`

const refreshPushSubscriptionSQL = `UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, user_agent = ?,
last_success_at = ?, consecutive_failures = 0, expired_at = NULL WHERE id = ?`

// SavePushSubscription stores a browser's subscription for p.UserID and
// returns it as stored. The endpoint is the key: a subscription sent again
// gets its keys and user agent refreshed, its failures forgotten and its
// expiry cleared; one that belonged to another user moves to this one
// (the browser changed hands: the latest sign-in wins), forgetting its
// last success. Bad input (endpoint, keys, a missing or disabled user)
// changes nothing.
func (s *Store) SavePushSubscription(ctx context.Context, p PushSubscription) (PushSubscription, error) {
	p.Endpoint = strings.TrimSpace(p.Endpoint)
	var out PushSubscription
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		in := p
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, in.UserID, true, &fe); err != nil {
			return err
		}
		in.validate(&fe)
		if err := fe.err(); err != nil {
			return err
		}
		hash := endpointHash(in.Endpoint)
		old, err := scanPushSubscription(tx.QueryRowContext(ctx, pushSubscriptionByHashSQL+s.forUpdate(), hash))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			now := s.clock()
			res, err := tx.ExecContext(ctx, insertPushSubscriptionSQL, in.UserID, in.Endpoint, hash, in.P256dh, in.Auth, in.UserAgent, now)
			if err != nil {
				return fmt.Errorf("save push subscription of user #%d: %w", in.UserID, err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("save push subscription of user #%d: %w", in.UserID, err)
			}
			out = PushSubscription{ID: id, UserID: in.UserID, Endpoint: in.Endpoint, P256dh: in.P256dh, Auth: in.Auth,
				UserAgent: in.UserAgent, CreatedAt: now}
			return nil
		case err != nil:
			return fmt.Errorf("push subscription of user #%d: %w", in.UserID, err)
		}
		lastSuccess := old.LastSuccessAt
		if old.UserID != in.UserID {
			lastSuccess = time.Time{}
		}
		if _, err := tx.ExecContext(ctx, refreshPushSubscriptionSQL, in.UserID, in.P256dh, in.Auth, in.UserAgent,
			nullTime(lastSuccess), old.ID); err != nil {
			return fmt.Errorf("save push subscription #%d: %w", old.ID, err)
		}
		out = PushSubscription{ID: old.ID, UserID: in.UserID, Endpoint: old.Endpoint, P256dh: in.P256dh, Auth: in.Auth,
			UserAgent: in.UserAgent, CreatedAt: old.CreatedAt, LastSuccessAt: lastSuccess}
		return nil
	})
	if err != nil {
		return PushSubscription{}, err
	}
	return out, nil
}

const listPushSubscriptionsSQL = `SELECT ` + pushSubscriptionColumns + ` FROM push_subscriptions WHERE user_id = ? ORDER BY id`

const listLivePushSubscriptionsSQL = `SELECT ` + pushSubscriptionColumns + ` FROM push_subscriptions
WHERE user_id = ? AND expired_at IS NULL ORDER BY id`

// ListPushSubscriptions returns a user's subscriptions, oldest first;
// expired ones only when includeExpired.
func (s *Store) ListPushSubscriptions(ctx context.Context, userID int64, includeExpired bool) ([]PushSubscription, error) {
	query := listLivePushSubscriptionsSQL
	if includeExpired {
		query = listPushSubscriptionsSQL
	}
	rows, err := s.db.QueryContext(ctx, query, userID)
	if err != nil {
		return nil, fmt.Errorf("list push subscriptions of user #%d: %w", userID, err)
	}
	defer rows.Close()
	var subs []PushSubscription
	for rows.Next() {
		p, err := scanPushSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list push subscriptions of user #%d: %w", userID, err)
		}
		subs = append(subs, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list push subscriptions of user #%d: %w", userID, err)
	}
	return subs, nil
}

const liveSubscriptionsOfSQL = `SELECT ` + pushSubscriptionColumns + ` FROM push_subscriptions
WHERE expired_at IS NULL AND user_id IN (%s) ORDER BY user_id, id`

// LivePushSubscriptionsOf returns the live subscriptions of several users
// at once, by user, each user's oldest first; a user without any is not in
// the map. invoke reads a claimed batch's with it in one query.
func (s *Store) LivePushSubscriptionsOf(ctx context.Context, userIDs []int64) (map[int64][]PushSubscription, error) {
	out := make(map[int64][]PushSubscription, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(userIDs))
	for i, id := range userIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(liveSubscriptionsOfSQL, placeholders(len(userIDs))), args...)
	if err != nil {
		return nil, fmt.Errorf("list push subscriptions of %d users: %w", len(userIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPushSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list push subscriptions of %d users: %w", len(userIDs), err)
		}
		out[p.UserID] = append(out[p.UserID], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list push subscriptions of %d users: %w", len(userIDs), err)
	}
	return out, nil
}

const deletePushSubscriptionSQL = `DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?`

// DeletePushSubscription deletes subscription id of user userID; ErrNotFound
// if there is none, or it belongs to someone else.
func (s *Store) DeletePushSubscription(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, deletePushSubscriptionSQL, id, userID)
	if err != nil {
		return fmt.Errorf("delete push subscription #%d: %w", id, err)
	}
	return rowsAffectedOrNotFound(res, fmt.Sprintf("delete push subscription #%d of user #%d", id, userID))
}

const markPushSuccessSQL = `UPDATE push_subscriptions SET last_success_at = ?, consecutive_failures = 0 WHERE id = ?`

const pushSubscriptionExistsSQL = `SELECT 1 FROM push_subscriptions WHERE id = ?`

// MarkPushSuccess records that the push service accepted a push at at, and
// forgets the failures before it; ErrNotFound if there is no such subscription.
func (s *Store) MarkPushSuccess(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, markPushSuccessSQL, dbTime(at), id)
	if err != nil {
		return fmt.Errorf("mark push subscription #%d sent: %w", id, err)
	}
	return s.updatedOrNotFound(ctx, res, pushSubscriptionExistsSQL, id, fmt.Sprintf("mark push subscription #%d sent", id))
}

const markPushSuccessesSQL = `UPDATE push_subscriptions SET last_success_at = ?, consecutive_failures = 0 WHERE id IN `

// MarkPushSuccesses is MarkPushSuccess for many subscriptions in one
// statement; ids that no longer exist are passed over.
func (s *Store) MarkPushSuccesses(ctx context.Context, at time.Time, ids []int64) error {
	ids = distinct(ids)
	if len(ids) == 0 {
		return nil
	}
	args := append([]any{dbTime(at)}, int64Args(ids)...)
	if _, err := s.db.ExecContext(ctx, markPushSuccessesSQL+"("+placeholders(len(ids))+")", args...); err != nil {
		return fmt.Errorf("mark %d push subscriptions sent: %w", len(ids), err)
	}
	return nil
}

const markPushFailureSQL = `UPDATE push_subscriptions SET consecutive_failures = consecutive_failures + 1 WHERE id = ?`

const pushFailuresSQL = `SELECT consecutive_failures FROM push_subscriptions WHERE id = ?`

// MarkPushFailure counts one more failed push and returns the failures
// since the last success; ErrNotFound if there is no such subscription.
func (s *Store) MarkPushFailure(ctx context.Context, id int64) (int, error) {
	var failures int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, markPushFailureSQL, id)
		if err != nil {
			return fmt.Errorf("mark push subscription #%d failed: %w", id, err)
		}
		if err := rowsAffectedOrNotFound(res, fmt.Sprintf("mark push subscription #%d failed", id)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, pushFailuresSQL, id).Scan(&failures); err != nil {
			return fmt.Errorf("mark push subscription #%d failed: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return failures, nil
}

const expirePushSubscriptionSQL = `UPDATE push_subscriptions SET expired_at = COALESCE(expired_at, ?) WHERE id = ?`

// ExpirePushSubscription records that the push service said the
// subscription is gone (404/410) at at; an expired subscription keeps its
// first expiry time. ErrNotFound if there is no such subscription.
func (s *Store) ExpirePushSubscription(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, expirePushSubscriptionSQL, dbTime(at), id)
	if err != nil {
		return fmt.Errorf("expire push subscription #%d: %w", id, err)
	}
	return s.updatedOrNotFound(ctx, res, pushSubscriptionExistsSQL, id, fmt.Sprintf("expire push subscription #%d", id))
}
