package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Result is what became of one claimed delivery.
type Result struct {
	ID    int64
	State DeliveryState // StateSent, StateFailed, StateCancelled, or StatePending for another try
	// NextAttemptAt is when to try again (State pending).
	NextAttemptAt time.Time
	Target        string // where it went, resolved at send time
	ProviderRef   string // e.g. the Twilio call SID; "" keeps what is stored
	Error         string // why it failed, or why it will be tried again

	// The delivery log's row for this attempt.
	Attempt        int
	Outcome        string // sent, retry, failed, cancelled, no-target, ...
	ProviderStatus string
	Detail         string

	// Fallback, when set, adds a delivery on another channel (the person
	// had no target on this one); it is skipped if that delivery exists.
	Fallback *Fallback
}

// Fallback is a delivery to add on another channel, due now.
type Fallback struct {
	RegistrationID int64
	UserID         int64
	Kind           DeliveryKind
	Channel        schedule.Channel
	Lead           time.Duration
	OccurrenceAt   time.Time
}

const ownedClaimsSQL = `SELECT id FROM deliveries WHERE lease_owner = ? AND state = ? AND id IN `

const finishDeliveriesSQL = `UPDATE deliveries SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at),
target = COALESCE(?, target), provider_ref = COALESCE(?, provider_ref), last_error = ?, sent_at = COALESCE(?, sent_at),
lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE lease_owner = ? AND state = ? AND id IN `

// Finish records the results of owner's claims in one transaction, with a
// delivery-log row each. A result whose claim owner no longer holds (its
// lease expired and another run took it) changes nothing; its id is
// returned in lost. Results alike (most often: sent to one browser) are
// written by one statement.
//
// Each UPDATE names the owner and the sending state, so that it writes
// only claims owner still holds; when every row of every UPDATE was
// written (nearly always), that is the whole transaction. When some were
// not, the transaction is rolled back and made again with the claims
// locked and read first, to learn which were lost.
func (s *Store) Finish(ctx context.Context, owner string, results []Result) (lost []int64, err error) {
	if len(results) == 0 {
		return nil, nil
	}
	now := s.clock()
	err = s.inTxRetry(ctx, func(tx *sql.Tx) error {
		return s.finish(ctx, tx, owner, results, nil, now)
	})
	if !errors.Is(err, errClaimsLost) {
		return nil, err
	}
	err = s.inTxRetry(ctx, func(tx *sql.Tx) error {
		owned, err := s.ownedClaims(ctx, tx, owner, results)
		if err != nil {
			return err
		}
		lost = lost[:0]
		for _, r := range results {
			if !owned[r.ID] {
				lost = append(lost, r.ID)
			}
		}
		return s.finish(ctx, tx, owner, results, owned, now)
	})
	return lost, err
}

// errClaimsLost says that an UPDATE of Finish found fewer of owner's
// claims than it named.
var errClaimsLost = errors.New("some claims are no longer held")

// ownedClaims locks and reads which of the results' claims owner holds.
func (s *Store) ownedClaims(ctx context.Context, tx *sql.Tx, owner string, results []Result) (map[int64]bool, error) {
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	args := append([]any{owner, StateSending}, int64Args(ids)...)
	ownedIDs, err := selectIDs(ctx, tx, ownedClaimsSQL+"("+placeholders(len(ids))+")"+s.forUpdate(), args...)
	if err != nil {
		return nil, fmt.Errorf("finish deliveries: %w", err)
	}
	owned := make(map[int64]bool, len(ownedIDs))
	for _, id := range ownedIDs {
		owned[id] = true
	}
	return owned, nil
}

// finish writes the results; with owned nil it expects owner to hold
// every claim and fails with errClaimsLost when it does not, else it writes
// only those in owned.
func (s *Store) finish(ctx context.Context, tx *sql.Tx, owner string, results []Result, owned map[int64]bool, now time.Time) error {
	groups := make(map[resultKey][]int64)
	var order []resultKey
	var written []Result
	for _, r := range results {
		if owned != nil && !owned[r.ID] {
			continue
		}
		k := keyOf(r)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r.ID)
		written = append(written, r)
	}
	if len(written) == 0 {
		return nil
	}
	for _, k := range order {
		var sentAt sql.NullTime
		if k.state == StateSent {
			sentAt = nullTime(now)
		}
		ids := groups[k]
		args := append([]any{k.state, nullTime(k.next), nullString(k.target), nullString(k.providerRef),
			nullString(k.err), sentAt, now, owner, StateSending}, int64Args(ids)...)
		res, err := tx.ExecContext(ctx, finishDeliveriesSQL+"("+placeholders(len(ids))+")", args...)
		if err != nil {
			return fmt.Errorf("finish deliveries: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("finish deliveries: %w", err)
		} else if int(n) != len(ids) {
			return errClaimsLost // only possible when owned is nil: the rows are locked then
		}
	}
	for _, r := range written {
		if r.Fallback != nil {
			if err := s.addFallback(ctx, tx, *r.Fallback, now); err != nil {
				return err
			}
		}
	}
	return insertAttempts(ctx, tx, written, now)
}

// resultKey is what one UPDATE of Finish writes.
type resultKey struct {
	state                    DeliveryState
	next                     time.Time
	target, providerRef, err string
}

func keyOf(r Result) resultKey {
	k := resultKey{state: r.State, target: r.Target, providerRef: r.ProviderRef, err: r.Error}
	if !r.NextAttemptAt.IsZero() {
		k.next = dbTime(r.NextAttemptAt)
	}
	return k
}

func (s *Store) addFallback(ctx context.Context, tx *sql.Tx, f Fallback, now time.Time) error {
	reg := Registration{ID: f.RegistrationID, UserID: f.UserID}
	planned := []schedule.Planned{{Channel: f.Channel, Lead: f.Lead, OccurrenceAt: f.OccurrenceAt, DueAt: now}}
	if _, err := s.insertDeliveries(ctx, tx, reg, f.Kind, planned, now); err != nil {
		return fmt.Errorf("fall back to %s: %w", f.Channel, err)
	}
	return nil
}

// insertAttempts appends the log rows of results in one statement.
func insertAttempts(ctx context.Context, tx *sql.Tx, results []Result, now time.Time) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO delivery_attempts (delivery_id, attempt, at, outcome, provider_status, detail) VALUES `)
	args := make([]any, 0, 6*len(results))
	for i, r := range results {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		detail := r.Detail
		if detail == "" {
			detail = r.Error
		}
		args = append(args, r.ID, r.Attempt, now, r.Outcome, r.ProviderStatus, detail)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("log attempts: %w", err)
	}
	return nil
}

const releaseSQL = `UPDATE deliveries SET state = ?, attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_at = ?
WHERE id = ? AND lease_owner = ? AND state = ?`

// Release gives back owner's claims that it did not try (it is stopping,
// or their lease runs short): they are due again at once, and the claim
// does not count as an attempt.
func (s *Store) Release(ctx context.Context, owner string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	now := s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, releaseSQL, StatePending, now, id, owner, StateSending); err != nil {
				return fmt.Errorf("release delivery #%d: %w", id, err)
			}
		}
		return nil
	})
}
