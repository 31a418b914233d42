package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// OriginTest marks the one registration per user that carries the test
// notifications the panel sends ("send a test notification", "call me
// now"). It never has reminders of its own and is not upcoming.
const OriginTest = "test"

// TestTitle is the title of the test registration.
const TestTitle = "Test notification"

const testRegistrationSQL = `SELECT ` + registrationColumns + ` FROM registrations r WHERE r.user_id = ? AND r.origin = ? ORDER BY r.id LIMIT 1`

const touchTestRegistrationSQL = `UPDATE registrations SET start_at = ?, status = ?, cancelled_at = NULL, updated_at = ? WHERE id = ?`

const pendingTestSQL = `SELECT id FROM deliveries WHERE registration_id = ? AND kind = ? AND channel = ? AND state IN ('pending', 'sending')`

// CreateTestDelivery puts a test notification on channel for user userID
// into the outbox, due now: invoke sends it like any other delivery, with
// retries and the delivery log. The user's test registration (origin
// OriginTest; made on first use) carries it. ErrConflict when a test on
// that channel is still waiting to be sent. A missing or disabled user, or
// an unknown channel, is a FieldError.
func (s *Store) CreateTestDelivery(ctx context.Context, userID int64, channel schedule.Channel, createdBy string) (Delivery, error) {
	var out Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, userID, true, &fe); err != nil {
			return err
		}
		if !channel.Valid() {
			fe.add("channel", "unknown channel %q", channel)
		}
		if err := fe.err(); err != nil {
			return err
		}
		u, err := userByIDTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		now := s.clock()
		reg, err := scanRegistration(tx.QueryRowContext(ctx, testRegistrationSQL, userID, OriginTest))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			reg = Registration{UserID: userID, Origin: OriginTest, Title: TestTitle, StartAt: now, TimeZone: u.TimeZone,
				Channels: []schedule.Channel{channel}, Leads: []time.Duration{0}, Status: RegistrationActive,
				CreatedBy: createdBy, CreatedAt: now, UpdatedAt: now}
			res, err := tx.ExecContext(ctx, insertRegistrationSQL, reg.UserID, nil, nil, reg.Origin, reg.Title, "", reg.StartAt,
				reg.TimeZone, schedule.FormatChannels(reg.Channels), schedule.EncodeLeadSeconds(reg.Leads), reg.Status,
				reg.CreatedBy, now, now)
			if err != nil {
				return fmt.Errorf("create test registration of user #%d: %w", userID, err)
			}
			if reg.ID, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("create test registration of user #%d: %w", userID, err)
			}
		case err != nil:
			return fmt.Errorf("test registration of user #%d: %w", userID, err)
		default:
			var pending int64
			switch err := tx.QueryRowContext(ctx, pendingTestSQL, reg.ID, KindTest, channel).Scan(&pending); {
			case err == nil:
				return fmt.Errorf("a test on %s (delivery #%d) is waiting to be sent: %w", channel, pending, ErrConflict)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("test deliveries of user #%d: %w", userID, err)
			}
			if _, err := tx.ExecContext(ctx, touchTestRegistrationSQL, now, RegistrationActive, now, reg.ID); err != nil {
				return fmt.Errorf("test registration of user #%d: %w", userID, err)
			}
		}
		p := schedule.Planned{Channel: channel, OccurrenceAt: now, DueAt: now}
		created, err := s.insertDeliveries(ctx, tx, reg, KindTest, []schedule.Planned{p}, now)
		if err != nil {
			return err
		}
		if len(created) != 1 {
			return fmt.Errorf("test on %s for user #%d: %w", channel, userID, ErrConflict)
		}
		out = created[0]
		return nil
	})
	return out, err
}
