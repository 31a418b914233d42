package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Claim is a delivery claimed for sending, with what its message needs.
type Claim struct {
	Delivery
	User         User
	Registration Registration
	Event        *Event // nil for an ad-hoc registration
	// TakenOver says the delivery was claimed before by a run whose lease
	// expired: that run may have sent it.
	TakenOver bool
	// DuplicateOf is an earlier delivery, not cancelled or failed, of the
	// same reminder (kind, channel, lead, occurrence) to the same person
	// about the same event through another registration — two of their
	// rules match one event — or 0. The unique key stops duplicates within
	// a registration; this lets the dispatcher stop them across.
	DuplicateOf int64
}

// claimLock is what makes concurrent claims skip each other's rows: FOR
// UPDATE SKIP LOCKED on MySQL (served in index order by deliveries_due and
// deliveries_lease); nothing on SQLite, where the claim transaction holds the
// database's single write lock from its start.
func (s *Store) claimLock() string {
	if s.dialect == MySQL {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

const claimDueSQL = `SELECT id FROM deliveries WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`

const claimExpiredSQL = `SELECT id FROM deliveries WHERE state = ? AND lease_until < ? ORDER BY lease_until, id LIMIT ?`

// ClaimDue claims up to limit deliveries that are due (pending, next
// attempt reached) or whose previous claim expired, for owner, until now +
// lease. Each claim counts as an attempt. Any number of processes may claim
// at once: each delivery goes to one of them.
func (s *Store) ClaimDue(ctx context.Context, owner string, lease time.Duration, limit int) ([]Claim, error) {
	now := s.clock()
	var ids []int64
	takenOver := make(map[int64]bool)
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		ids = ids[:0] // a retried transaction starts afresh
		clear(takenOver)
		due, err := selectIDs(ctx, tx, claimDueSQL+s.claimLock(), StatePending, now, limit)
		if err != nil {
			return fmt.Errorf("claim due deliveries: %w", err)
		}
		ids = append(ids, due...)
		if len(ids) < limit {
			expired, err := selectIDs(ctx, tx, claimExpiredSQL+s.claimLock(), StateSending, now, limit-len(ids))
			if err != nil {
				return fmt.Errorf("claim expired deliveries: %w", err)
			}
			for _, id := range expired {
				takenOver[id] = true
			}
			ids = append(ids, expired...)
		}
		if len(ids) == 0 {
			return nil
		}
		args := []any{StateSending, owner, dbTime(now.Add(lease)), now}
		for _, id := range ids {
			args = append(args, id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, lease_owner = ?, lease_until = ?, attempts = attempts + 1,
updated_at = ? WHERE id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.loadClaims(ctx, ids, takenOver)
}

// DueNow lists, without claiming anything, up to limit deliveries that a
// claim would take now: for dry runs.
func (s *Store) DueNow(ctx context.Context, limit int) ([]Claim, error) {
	now := s.clock()
	due, err := selectIDs(ctx, s.db, claimDueSQL, StatePending, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	expired, err := selectIDs(ctx, s.db, claimExpiredSQL, StateSending, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	takenOver := make(map[int64]bool)
	for _, id := range expired {
		takenOver[id] = true
	}
	ids := append(due, expired...)
	if len(ids) == 0 {
		return nil, nil
	}
	return s.loadClaims(ctx, ids, takenOver)
}

// queryer is a database or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func selectIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
