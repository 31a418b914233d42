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
	// NotBefore, when not zero, is the slot the send of a paced channel
	// (calls, texts) got: it must not start earlier.
	NotBefore time.Time
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

const claimDueSQL = `SELECT id, channel FROM deliveries WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`

const claimExpiredSQL = `SELECT id, channel FROM deliveries WHERE state = ? AND lease_until < ? ORDER BY lease_until, id LIMIT ?`

// ClaimRequest says what a claim takes: up to Limit deliveries that are due
// (pending, next attempt reached) or whose previous claim expired, for
// Owner, until now + Lease; the sends of the channels in Pace spaced across
// every process on the database.
type ClaimRequest struct {
	Owner string
	Lease time.Duration
	Limit int
	Pace  Pace
}

// ClaimBatch is what a claim took.
type ClaimBatch struct {
	Claims []Claim
	// PacedUntil, when not zero, says that due deliveries of a paced
	// channel were left because its slots within Pace.Ahead are taken: a
	// claim from then on can take one.
	PacedUntil time.Time
}

// ClaimDue claims up to limit due or expired deliveries for owner, with no
// pacing: Claim with a ClaimRequest of these values.
func (s *Store) ClaimDue(ctx context.Context, owner string, lease time.Duration, limit int) ([]Claim, error) {
	b, err := s.Claim(ctx, ClaimRequest{Owner: owner, Lease: lease, Limit: limit})
	return b.Claims, err
}

// Claim claims what req asks for. Each claim counts as an attempt. Any
// number of processes may claim at once: each delivery goes to one of them,
// and the sends of a paced channel get slots at least its gap apart,
// whichever process takes them (see pacer).
func (s *Store) Claim(ctx context.Context, req ClaimRequest) (ClaimBatch, error) {
	now := s.clock()
	var picked []pickedRow
	var pacedUntil time.Time
	takenOver := make(map[int64]bool)
	notBefore := make(map[int64]time.Time)
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		picked, pacedUntil = picked[:0], time.Time{} // a retried transaction starts afresh
		clear(takenOver)
		clear(notBefore)
		var p *pacer
		if len(req.Pace.Gap) > 0 {
			// The pacing rows are locked first, before any delivery: claims
			// that take slots then wait for each other there, and never hold
			// deliveries (and the gaps of their index) while waiting for the
			// pacing row that another claim holding deliveries has.
			var err error
			if p, err = s.lockPacing(ctx, tx, req.Pace); err != nil {
				return err
			}
		}
		due, err := selectPicked(ctx, tx, claimDueSQL+s.claimLock(), StatePending, now, req.Limit)
		if err != nil {
			return fmt.Errorf("claim due deliveries: %w", err)
		}
		picked = append(picked, due...)
		if len(picked) < req.Limit {
			expired, err := selectPicked(ctx, tx, claimExpiredSQL+s.claimLock(), StateSending, now, req.Limit-len(picked))
			if err != nil {
				return fmt.Errorf("claim expired deliveries: %w", err)
			}
			for _, p := range expired {
				takenOver[p.id] = true
			}
			picked = append(picked, expired...)
		}
		if p != nil && req.Pace.applies(picked) {
			if picked, pacedUntil, err = p.slot(ctx, picked, notBefore); err != nil {
				return err
			}
			if !pacedUntil.IsZero() && len(picked) < req.Limit {
				// Paced sends wait at the head of the queue: take what is due
				// on the other channels behind them.
				more, err := p.unpaced(ctx, req.Limit-len(picked), picked)
				if err != nil {
					return err
				}
				picked = append(picked, more...)
			}
		}
		if len(picked) == 0 {
			return nil
		}
		query, args := claimUpdate(req, picked, notBefore, now)
		if _, err = tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		return nil
	})
	if err != nil || len(picked) == 0 {
		return ClaimBatch{PacedUntil: pacedUntil}, err
	}
	ids := make([]int64, len(picked))
	for i, p := range picked {
		ids[i] = p.id
	}
	claims, err := s.loadClaims(ctx, ids, takenOver)
	if err != nil {
		return ClaimBatch{}, err
	}
	for i := range claims {
		claims[i].NotBefore = notBefore[claims[i].ID]
	}
	return ClaimBatch{Claims: claims, PacedUntil: pacedUntil}, nil
}

// claimUpdate is the statement that claims picked for req: sending, owned,
// leased, one attempt more; a paced send's slot becomes its next_attempt_at,
// where the delivery log and a test can see it, and where a released claim
// becomes due again.
func claimUpdate(req ClaimRequest, picked []pickedRow, notBefore map[int64]time.Time, now time.Time) (string, []any) {
	args := []any{StateSending, req.Owner, dbTime(now.Add(req.Lease))}
	slots := ""
	if len(notBefore) > 0 {
		slots = "next_attempt_at = CASE id" + strings.Repeat(" WHEN ? THEN ?", len(notBefore)) + " ELSE next_attempt_at END, "
		for _, p := range picked {
			if at, ok := notBefore[p.id]; ok {
				args = append(args, p.id, dbTime(at))
			}
		}
	}
	args = append(args, now)
	for _, p := range picked {
		args = append(args, p.id)
	}
	return `UPDATE deliveries SET state = ?, lease_owner = ?, lease_until = ?, attempts = attempts + 1, ` + slots +
		`updated_at = ? WHERE id IN (` + placeholders(len(picked)) + `)`, args
}

// DueNow lists, without claiming anything, up to limit deliveries that a
// claim would take now: for dry runs.
func (s *Store) DueNow(ctx context.Context, limit int) ([]Claim, error) {
	now := s.clock()
	due, err := selectPicked(ctx, s.db, claimDueSQL, StatePending, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	expired, err := selectPicked(ctx, s.db, claimExpiredSQL, StateSending, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	takenOver := make(map[int64]bool)
	var ids []int64
	for _, p := range due {
		ids = append(ids, p.id)
	}
	for _, p := range expired {
		takenOver[p.id] = true
		ids = append(ids, p.id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.loadClaims(ctx, ids, takenOver)
}

// pickedRow is a delivery a claim picked, with its channel for pacing.
type pickedRow struct {
	id      int64
	channel string
}

func selectPicked(ctx context.Context, q queryer, query string, args ...any) ([]pickedRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pickedRow
	for rows.Next() {
		var p pickedRow
		if err := rows.Scan(&p.id, &p.channel); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
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
