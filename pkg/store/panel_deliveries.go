package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// DeliveryFilter narrows ListDeliveries, the delivery log; the zero value
// lists the latest deliveries of everyone.
type DeliveryFilter struct {
	UserID  int64
	State   DeliveryState
	Channel schedule.Channel
	From    time.Time // due at or after; zero: no bound
	To      time.Time // due before; zero: no bound
	Before  int64     // only those after delivery #Before in the list (older); 0: from the newest
	Limit   int       // 0: 200
}

// olderThanSQL keeps the deliveries that come after delivery ? in the
// lists' order (due_at, then id, descending): keyset paging, which new
// deliveries do not shift. An unknown id keeps none.
const olderThanSQL = `(d.due_at < (SELECT b.due_at FROM deliveries b WHERE b.id = ?)
OR (d.due_at = (SELECT b.due_at FROM deliveries b WHERE b.id = ?) AND d.id < ?))`

// olderThanOwnSQL is olderThanSQL for a person's own list: a delivery of
// someone else keeps none (its due time must not show through the page).
const olderThanOwnSQL = `(d.due_at < (SELECT b.due_at FROM deliveries b WHERE b.id = ? AND b.user_id = d.user_id)
OR (d.due_at = (SELECT b.due_at FROM deliveries b WHERE b.id = ? AND b.user_id = d.user_id) AND d.id < ?))`

// DeliveryView is a delivery with what the log shows next to it.
type DeliveryView struct {
	Delivery
	UserLogin    string
	UserTimeZone string
	Title        string // the registration's
}

var deliveryViewSQL = `SELECT ` + qualify("d", deliveryColumns) + `, u.login, u.time_zone, r.title
FROM deliveries d JOIN users u ON u.id = d.user_id JOIN registrations r ON r.id = d.registration_id`

// ListDeliveries lists the deliveries f selects, latest due first.
func (s *Store) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryView, error) {
	var where []string
	var args []any
	if f.UserID != 0 {
		where, args = append(where, "d.user_id = ?"), append(args, f.UserID)
	}
	if f.State != "" {
		where, args = append(where, "d.state = ?"), append(args, f.State)
	}
	if f.Channel != "" {
		where, args = append(where, "d.channel = ?"), append(args, f.Channel)
	}
	if !f.From.IsZero() {
		where, args = append(where, "d.due_at >= ?"), append(args, dbTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "d.due_at < ?"), append(args, dbTime(f.To))
	}
	if f.Before != 0 {
		where, args = append(where, olderThanSQL), append(args, f.Before, f.Before, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	query := deliveryViewSQL
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY d.due_at DESC, d.id DESC LIMIT " + strconv.Itoa(f.Limit) // literal: a bound LIMIT makes SQLite prepare twice
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryView
	for rows.Next() {
		v, err := scanDeliveryView(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

func scanDeliveryView(row interface{ Scan(...any) error }) (DeliveryView, error) {
	var v DeliveryView
	var err error
	v.Delivery, err = scanDelivery(suffixScanner{row: row, suffix: []any{&v.UserLogin, &v.UserTimeZone, &v.Title}})
	return v, err
}

// DeliveryViewByID finds one delivery of the log; ErrNotFound if none.
func (s *Store) DeliveryViewByID(ctx context.Context, id int64) (DeliveryView, error) {
	v, err := scanDeliveryView(s.db.QueryRowContext(ctx, deliveryViewSQL+" WHERE d.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return DeliveryView{}, fmt.Errorf("delivery #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return DeliveryView{}, fmt.Errorf("delivery #%d: %w", id, err)
	}
	return v, nil
}

const ackDeliverySQL = `UPDATE deliveries SET state = CASE WHEN state IN ('sent', 'answered') THEN 'acknowledged' ELSE state END,
read_at = COALESCE(read_at, ?), updated_at = ? WHERE id = ?`

// AcknowledgeByToken records that the person saw the notification of the
// delivery with token (they clicked it, or opened its "got it" link): a
// sent or answered delivery becomes acknowledged, and it counts as read;
// the same reminder still pending on other channels is cancelled. It returns the delivery as it is now; ErrNotFound for an unknown token.
func (s *Store) AcknowledgeByToken(ctx context.Context, token string, at time.Time) (Delivery, error) {
	var out Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		d, err := scanDelivery(tx.QueryRowContext(ctx, deliveryByTokenSQL+s.forUpdate(), token))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery by token: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delivery by token: %w", err)
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, ackDeliverySQL, dbTime(at), now, d.ID); err != nil {
			return fmt.Errorf("acknowledge delivery #%d: %w", d.ID, err)
		}
		out, err = scanDelivery(tx.QueryRowContext(ctx, deliveryByTokenSQL, token))
		if err != nil {
			return fmt.Errorf("acknowledge delivery #%d: %w", d.ID, err)
		}
		if out.State != StateAcknowledged {
			return nil
		}
		// As a "1" pressed on a call does: the person has it, so the
		// same reminder on other channels is not sent.
		return cancelSiblings(ctx, tx, out, "acknowledged by "+string(out.Channel), now)
	})
	return out, err
}

const deletePushByEndpointSQL = `DELETE FROM push_subscriptions WHERE endpoint_hash = ? AND user_id = ?`

// DeletePushSubscriptionByEndpoint deletes user userID's subscription with
// that endpoint (a browser that unsubscribed, or whose subscription the
// push service replaced); ErrNotFound if the user has none.
func (s *Store) DeletePushSubscriptionByEndpoint(ctx context.Context, userID int64, endpoint string) error {
	res, err := s.db.ExecContext(ctx, deletePushByEndpointSQL, endpointHash(strings.TrimSpace(endpoint)), userID)
	if err != nil {
		return fmt.Errorf("delete push subscription of user #%d: %w", userID, err)
	}
	return rowsAffectedOrNotFound(res, fmt.Sprintf("delete push subscription by endpoint of user #%d", userID))
}
