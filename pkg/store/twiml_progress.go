package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Progress is what Twilio has reported about one call or message of a
// delivery (a row of delivery_progress): the last report applied.
type Progress struct {
	DeliveryID  int64
	ProviderRef string    // the call or message SID
	Sequence    int       // SequenceNumber of the last report applied; -1 when none came with one
	Status      string    // CallStatus or MessageStatus of the last report applied
	EventAt     time.Time // Twilio's Timestamp of the last report applied; zero when none
	AnsweredBy  string    // answering machine detection: human, machine_start, ...; "" unknown
	Reports     int       // reports received, applied or not
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Report is what a Twilio report may find, read inside the transaction
// that applies it, with the delivery's row locked: reports about one
// delivery are applied one at a time.
type Report struct {
	Delivery Delivery
	Progress []Progress // every call or message of the delivery Twilio reported on, oldest first
	Now      time.Time  // the store's clock
}

// ReportChange is what to write for a report. The zero value writes
// nothing.
type ReportChange struct {
	State         DeliveryState // "" keeps the state
	NextAttemptAt time.Time     // zero keeps it; set it with StatePending to try again
	// ClearProviderRef forgets the delivery's call (its SID stays in the
	// attempt log and in Progress): a retry places a new call.
	ClearProviderRef bool
	// AdoptProviderRef, if set and the delivery has no provider ref, makes
	// it the delivery's (invoke could not read Twilio's answer).
	AdoptProviderRef string
	LastError        string // "" keeps last_error
	MarkRead         bool   // sets read_at unless set
	// Touch sets updated_at even when nothing else of the delivery
	// changes: a call looked up at Twilio and still under way is looked up
	// again only once twiml.reconcile_after has passed (see CallsToReconcile).
	Touch bool
	// Progress, if set, is written (inserted or replaced) as the row of its
	// ProviderRef; DeliveryID, CreatedAt and UpdatedAt are the store's.
	Progress *Progress
	// Log, if set, is appended to the delivery log; DeliveryID and At
	// are the store's.
	Log *Attempt
	// CancelSiblings, if set, is the reason to cancel the pending
	// deliveries of the same reminder on other channels (same registration,
	// kind, occurrence and lead: a fallback, or the same reminder by push).
	CancelSiblings string
}

// ApplyReport applies a report from Twilio to the delivery of token: in
// one transaction it locks the delivery, reads its progress, asks decide
// what to write, and writes it. An error from decide rolls back and is
// returned as it is. It returns the delivery as it is afterwards;
// ErrNotFound if no delivery has token.
func (s *Store) ApplyReport(ctx context.Context, token string, decide func(Report) (ReportChange, error)) (Delivery, error) {
	var out Delivery
	// Retried on a MySQL deadlock: decide is run afresh each time.
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		d, err := scanDelivery(tx.QueryRowContext(ctx, deliveryByTokenSQL+s.forUpdate(), token))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery by token: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delivery by token: %w", err)
		}
		progress, err := progressOf(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		change, err := decide(Report{Delivery: d, Progress: progress, Now: now})
		if err != nil {
			return err
		}
		if out, err = s.writeReport(ctx, tx, d, progress, change, now); err != nil {
			return fmt.Errorf("delivery #%d: %w", d.ID, err)
		}
		return nil
	})
	return out, err
}

const progressColumns = `delivery_id, provider_ref, last_sequence, last_status, last_event_at, answered_by, reports, created_at, updated_at`

func progressOf(ctx context.Context, tx *sql.Tx, deliveryID int64) ([]Progress, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+progressColumns+` FROM delivery_progress WHERE delivery_id = ? ORDER BY created_at, provider_ref`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("progress of delivery #%d: %w", deliveryID, err)
	}
	defer rows.Close()
	var out []Progress
	for rows.Next() {
		var p Progress
		var eventAt, created, updated anyTime
		if err := rows.Scan(&p.DeliveryID, &p.ProviderRef, &p.Sequence, &p.Status, &eventAt, &p.AnsweredBy, &p.Reports,
			&created, &updated); err != nil {
			return nil, fmt.Errorf("progress of delivery #%d: %w", deliveryID, err)
		}
		p.EventAt, p.CreatedAt, p.UpdatedAt = eventAt.Time, created.Time, updated.Time
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("progress of delivery #%d: %w", deliveryID, err)
	}
	return out, nil
}

const reportDeliverySQL = `UPDATE deliveries SET state = ?, next_attempt_at = ?, provider_ref = ?, last_error = ?, read_at = ?,
sent_at = ?, updated_at = ? WHERE id = ?`

// writeReport writes change to the locked delivery d.
func (s *Store) writeReport(ctx context.Context, tx *sql.Tx, d Delivery, progress []Progress, c ReportChange, now time.Time) (Delivery, error) {
	after := d
	if c.State != "" {
		after.State = c.State
	}
	if !c.NextAttemptAt.IsZero() {
		after.NextAttemptAt = dbTime(c.NextAttemptAt)
	}
	switch {
	case c.ClearProviderRef:
		after.ProviderRef = ""
	case c.AdoptProviderRef != "" && d.ProviderRef == "":
		after.ProviderRef = c.AdoptProviderRef
	}
	if c.LastError != "" {
		after.LastError = c.LastError
	}
	if c.MarkRead && after.ReadAt.IsZero() {
		after.ReadAt = now
	}
	switch after.State { // a call (or message) invoke never recorded, adopted by its report
	case StateSent, StateAnswered, StateAcknowledged:
		if after.SentAt.IsZero() {
			after.SentAt = now
		}
	}
	if after != d || c.Touch {
		after.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, reportDeliverySQL, after.State, after.NextAttemptAt, nullString(after.ProviderRef),
			nullString(after.LastError), nullTime(after.ReadAt), nullTime(after.SentAt), now, d.ID); err != nil {
			return Delivery{}, fmt.Errorf("update: %w", err)
		}
	}
	if c.Progress != nil {
		if err := writeProgress(ctx, tx, d.ID, progress, *c.Progress, now); err != nil {
			return Delivery{}, err
		}
	}
	if c.Log != nil {
		if _, err := tx.ExecContext(ctx, addAttemptSQL, d.ID, c.Log.Attempt, now, c.Log.Outcome, c.Log.ProviderStatus,
			c.Log.Detail); err != nil {
			return Delivery{}, fmt.Errorf("log attempt: %w", err)
		}
	}
	if c.CancelSiblings != "" {
		if err := cancelSiblings(ctx, tx, d, c.CancelSiblings, now); err != nil {
			return Delivery{}, err
		}
	}
	return after, nil
}

// writeProgress inserts p, or replaces the row of its provider ref. The
// delivery's row lock keeps other reports about it out meanwhile.
func writeProgress(ctx context.Context, tx *sql.Tx, deliveryID int64, existing []Progress, p Progress, now time.Time) error {
	if p.ProviderRef == "" {
		return errors.New("progress without a provider ref")
	}
	for _, e := range existing {
		if e.ProviderRef != p.ProviderRef {
			continue
		}
		_, err := tx.ExecContext(ctx, `UPDATE delivery_progress SET last_sequence = ?, last_status = ?, last_event_at = ?,
answered_by = ?, reports = ?, updated_at = ? WHERE delivery_id = ? AND provider_ref = ?`,
			p.Sequence, p.Status, nullTime(p.EventAt), p.AnsweredBy, p.Reports, now, deliveryID, p.ProviderRef)
		if err != nil {
			return fmt.Errorf("progress of %s: %w", p.ProviderRef, err)
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO delivery_progress (`+progressColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		deliveryID, p.ProviderRef, p.Sequence, p.Status, nullTime(p.EventAt), p.AnsweredBy, p.Reports, now, now)
	if err != nil {
		return fmt.Errorf("progress of %s: %w", p.ProviderRef, err)
	}
	return nil
}

const siblingsSQL = `SELECT id, attempts FROM deliveries WHERE registration_id = ? AND kind = ? AND occurrence_at = ?
AND lead_seconds = ? AND id <> ? AND state = ?`

// cancelSiblings cancels the pending deliveries of d's reminder on other
// channels, with a line in each one's log.
func cancelSiblings(ctx context.Context, tx *sql.Tx, d Delivery, why string, now time.Time) error {
	rows, err := tx.QueryContext(ctx, siblingsSQL, d.RegistrationID, d.Kind, dbTime(d.OccurrenceAt),
		int64(d.Lead/time.Second), d.ID, StatePending)
	if err != nil {
		return fmt.Errorf("cancel the rest of the reminder: %w", err)
	}
	type sibling struct {
		id       int64
		attempts int
	}
	var siblings []sibling
	for rows.Next() {
		var sb sibling
		if err := rows.Scan(&sb.id, &sb.attempts); err != nil {
			rows.Close()
			return fmt.Errorf("cancel the rest of the reminder: %w", err)
		}
		siblings = append(siblings, sb)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cancel the rest of the reminder: %w", err)
	}
	for _, sb := range siblings {
		// state = pending again: invoke may have claimed it meanwhile.
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = ?`,
			StateCancelled, why, now, sb.id, StatePending)
		if err != nil {
			return fmt.Errorf("cancel delivery #%d: %w", sb.id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("cancel delivery #%d: %w", sb.id, err)
		}
		if n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, addAttemptSQL, sb.id, sb.attempts, now, "cancelled", "", why); err != nil {
			return fmt.Errorf("log the cancellation of delivery #%d: %w", sb.id, err)
		}
	}
	return nil
}
