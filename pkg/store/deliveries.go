package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// DeliveryState is where a delivery is in the outbox protocol:
// pending -> sending -> sent | failed | cancelled, and for calls
// answered / acknowledged after sent.
type DeliveryState string

// The delivery states.
const (
	StatePending      DeliveryState = "pending"
	StateSending      DeliveryState = "sending"
	StateSent         DeliveryState = "sent"
	StateFailed       DeliveryState = "failed"
	StateCancelled    DeliveryState = "cancelled"
	StateAnswered     DeliveryState = "answered"
	StateAcknowledged DeliveryState = "acknowledged"
)

// DeliveryKind says what a delivery tells the person.
type DeliveryKind string

// The delivery kinds.
const (
	KindReminder  DeliveryKind = "reminder"  // the event starts soon
	KindMoved     DeliveryKind = "moved"     // the event moved
	KindCancelled DeliveryKind = "cancelled" // the event was cancelled
	KindTest      DeliveryKind = "test"      // "send me a test"
)

// Delivery is one notification in the outbox.
type Delivery struct {
	ID             int64
	RegistrationID int64
	UserID         int64
	Kind           DeliveryKind
	Channel        schedule.Channel
	Lead           time.Duration
	OccurrenceAt   time.Time // the start it reminds of
	DueAt          time.Time
	State          DeliveryState
	Attempts       int
	NextAttemptAt  time.Time
	LeaseOwner     string
	LeaseUntil     time.Time
	Target         string
	ProviderRef    string
	Token          string // random and unguessable: the key of serve-twiml's URLs and of acknowledge links
	LastError      string
	SentAt         time.Time
	ReadAt         time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// newToken returns 32 random bytes, base64url without padding (43 characters).
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// insertDeliverySQL skips a delivery that exists already: the unique key
// (registration, kind, occurrence, channel, lead) is what makes the same
// reminder impossible to send twice.
var insertDeliverySQL = map[Dialect]string{
	MySQL: `INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state,
next_attempt_at, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE id = id`,
	SQLite: `INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state,
next_attempt_at, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`,
}

// insertDeliveries adds the planned deliveries of reg that do not exist yet
// and returns those it added.
func (s *Store) insertDeliveries(ctx context.Context, tx *sql.Tx, reg Registration, kind DeliveryKind, planned []schedule.Planned, now time.Time) ([]Delivery, error) {
	var out []Delivery
	for _, p := range planned {
		token, err := newToken()
		if err != nil {
			return nil, err
		}
		d := Delivery{
			RegistrationID: reg.ID, UserID: reg.UserID, Kind: kind, Channel: p.Channel, Lead: p.Lead,
			OccurrenceAt: dbTime(p.OccurrenceAt), DueAt: dbTime(p.DueAt), State: StatePending,
			NextAttemptAt: dbTime(p.DueAt), Token: token, CreatedAt: now, UpdatedAt: now,
		}
		res, err := tx.ExecContext(ctx, insertDeliverySQL[s.dialect], d.RegistrationID, d.UserID, d.Kind, d.Channel,
			int64(d.Lead/time.Second), d.OccurrenceAt, d.DueAt, d.State, d.NextAttemptAt, d.Token, now, now)
		if err != nil {
			return nil, fmt.Errorf("create delivery for registration #%d: %w", reg.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("create delivery for registration #%d: %w", reg.ID, err)
		}
		if n == 0 {
			continue // it exists already
		}
		if d.ID, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("create delivery for registration #%d: %w", reg.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

const deliveryColumns = `id, registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state, attempts,
next_attempt_at, lease_owner, lease_until, target, provider_ref, token, last_error, sent_at, read_at, created_at, updated_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var (
		d                                  Delivery
		leadSeconds                        int64
		leaseOwner, target, ref, lastError sql.NullString
		leaseUntil, sentAt, readAt         anyTime
	)
	err := row.Scan(&d.ID, &d.RegistrationID, &d.UserID, &d.Kind, &d.Channel, &leadSeconds, &d.OccurrenceAt, &d.DueAt,
		&d.State, &d.Attempts, &d.NextAttemptAt, &leaseOwner, &leaseUntil, &target, &ref, &d.Token, &lastError,
		&sentAt, &readAt, &d.CreatedAt, &d.UpdatedAt)
	d.Lead = time.Duration(leadSeconds) * time.Second
	d.LeaseOwner, d.Target, d.ProviderRef, d.LastError = leaseOwner.String, target.String, ref.String, lastError.String
	d.LeaseUntil, d.SentAt, d.ReadAt = leaseUntil.Time, sentAt.Time, readAt.Time
	return d, err
}

const deliveriesOfRegistrationSQL = `SELECT ` + deliveryColumns + ` FROM deliveries WHERE registration_id = ? ORDER BY due_at, id`

// DeliveriesOfRegistration lists a registration's deliveries by due time.
func (s *Store) DeliveriesOfRegistration(ctx context.Context, registrationID int64) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, deliveriesOfRegistrationSQL, registrationID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of registration #%d: %w", registrationID, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("deliveries of registration #%d: %w", registrationID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliveries of registration #%d: %w", registrationID, err)
	}
	return out, nil
}

const deliveryByTokenSQL = `SELECT ` + deliveryColumns + ` FROM deliveries WHERE token = ?`

// DeliveryByToken finds the delivery a token belongs to; ErrNotFound if none.
func (s *Store) DeliveryByToken(ctx context.Context, token string) (Delivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, deliveryByTokenSQL, token))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("delivery by token: %w", ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery by token: %w", err)
	}
	return d, nil
}
