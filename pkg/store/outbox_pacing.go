package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PendingCall is a call waiting in the outbox, for planning bursts.
type PendingCall struct {
	ID            int64
	NextAttemptAt time.Time
	OccurrenceAt  time.Time
}

const pendingCallsSQL = `SELECT id, next_attempt_at, occurrence_at FROM deliveries
WHERE state = ? AND next_attempt_at <= ? AND channel = 'call' ORDER BY next_attempt_at, id`

// PendingCalls lists the pending calls due by until, earliest first.
func (s *Store) PendingCalls(ctx context.Context, until time.Time) ([]PendingCall, error) {
	rows, err := s.db.QueryContext(ctx, pendingCallsSQL, StatePending, dbTime(until))
	if err != nil {
		return nil, fmt.Errorf("pending calls: %w", err)
	}
	defer rows.Close()
	var out []PendingCall
	for rows.Next() {
		var c PendingCall
		var next, occurrence anyTime
		if err := rows.Scan(&c.ID, &next, &occurrence); err != nil {
			return nil, fmt.Errorf("pending calls: %w", err)
		}
		c.NextAttemptAt, c.OccurrenceAt = next.Time, occurrence.Time
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending calls: %w", err)
	}
	return out, nil
}

const advanceSQL = `UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = ? AND next_attempt_at > ?`

// Advance moves pending deliveries earlier: each to its time in at, only if
// still pending and due later than that. It never moves one later.
func (s *Store) Advance(ctx context.Context, at map[int64]time.Time) error {
	if len(at) == 0 {
		return nil
	}
	now := s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for id, t := range at {
			t = dbTime(t)
			if _, err := tx.ExecContext(ctx, advanceSQL, t, now, id, StatePending, t); err != nil {
				return fmt.Errorf("advance delivery #%d: %w", id, err)
			}
		}
		return nil
	})
}
