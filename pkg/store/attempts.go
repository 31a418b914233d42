package store

import (
	"context"
	"fmt"
	"time"
)

// Attempt is one try at sending a delivery, or one report about it (a
// Twilio status callback): the delivery log.
type Attempt struct {
	ID             int64
	DeliveryID     int64
	Attempt        int
	At             time.Time
	Outcome        string // sent, retry, failed, answered, acknowledged, ...
	ProviderStatus string // e.g. Twilio's CallStatus, an HTTP status
	Detail         string
}

const addAttemptSQL = `INSERT INTO delivery_attempts (delivery_id, attempt, at, outcome, provider_status, detail) VALUES (?, ?, ?, ?, ?, ?)`

// AddAttempt appends to the delivery log.
func (s *Store) AddAttempt(ctx context.Context, a Attempt) (Attempt, error) {
	if a.At.IsZero() {
		a.At = s.clock()
	}
	a.At = dbTime(a.At)
	res, err := s.db.ExecContext(ctx, addAttemptSQL, a.DeliveryID, a.Attempt, a.At, a.Outcome, a.ProviderStatus, a.Detail)
	if isForeignKeyViolation(err) {
		return Attempt{}, fmt.Errorf("log attempt for delivery #%d: %w", a.DeliveryID, ErrNotFound)
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("log attempt for delivery #%d: %w", a.DeliveryID, err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return Attempt{}, fmt.Errorf("log attempt for delivery #%d: %w", a.DeliveryID, err)
	}
	return a, nil
}

const attemptsOfDeliverySQL = `SELECT id, delivery_id, attempt, at, outcome, provider_status, detail
FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt, id`

// AttemptsOfDelivery returns a delivery's log, oldest first.
func (s *Store) AttemptsOfDelivery(ctx context.Context, deliveryID int64) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, attemptsOfDeliverySQL, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("attempts of delivery #%d: %w", deliveryID, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Attempt, &a.At, &a.Outcome, &a.ProviderStatus, &a.Detail); err != nil {
			return nil, fmt.Errorf("attempts of delivery #%d: %w", deliveryID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attempts of delivery #%d: %w", deliveryID, err)
	}
	return out, nil
}
