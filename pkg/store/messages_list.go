package store

import (
	"context"
	"fmt"
)

// MessageView is a message with where its deliveries are.
type MessageView struct {
	Message
	Waiting   int // pending or being sent: what a cancel still stops
	Sent      int // sent, answered or acknowledged
	Failed    int
	Cancelled int
}

// Cancellable reports whether cancelling the message would still stop
// something.
func (m MessageView) Cancellable() bool { return m.CancelledAt.IsZero() && m.Waiting > 0 }

const (
	recentMessagesSQL = `SELECT id, title, body, send_at, created_by, created_at, cancelled_at FROM messages ORDER BY id DESC LIMIT ?`
	// messageStatesSQL is served by registrations_origin.
	messageStatesSQL = `SELECT r.origin, d.state, COUNT(*) FROM registrations r JOIN deliveries d ON d.registration_id = r.id
WHERE r.origin IN `
)

// RecentMessages lists the limit newest messages, newest first, with how
// many of their deliveries are waiting, sent, failed and cancelled.
func (s *Store) RecentMessages(ctx context.Context, limit int) ([]MessageView, error) {
	rows, err := s.db.QueryContext(ctx, recentMessagesSQL, limit)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []MessageView
	byOrigin := map[string]int{}
	var origins []any
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		byOrigin[messageOrigin(m.ID)] = len(out)
		origins = append(origins, messageOrigin(m.ID))
		out = append(out, MessageView{Message: m})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	rows, err = s.db.QueryContext(ctx, messageStatesSQL+"("+placeholders(len(origins))+") GROUP BY r.origin, d.state", origins...)
	if err != nil {
		return nil, fmt.Errorf("count message deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var origin string
		var state DeliveryState
		var n int
		if err := rows.Scan(&origin, &state, &n); err != nil {
			return nil, fmt.Errorf("count message deliveries: %w", err)
		}
		v := &out[byOrigin[origin]]
		switch state {
		case StatePending, StateSending:
			v.Waiting += n
		case StateFailed:
			v.Failed += n
		case StateCancelled:
			v.Cancelled += n
		default:
			v.Sent += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count message deliveries: %w", err)
	}
	return out, nil
}
