package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// InboxItem is a notification a person was sent: one delivery that left
// (sent, answered or acknowledged), with what it was about.
type InboxItem struct {
	Delivery
	Title   string // the registration's title
	Message string // the registration's own message
}

// inboxStates are the states of deliveries that reached the person.
const inboxStates = `('sent', 'answered', 'acknowledged')`

// InboxFilter narrows ListInbox.
type InboxFilter struct {
	UnreadOnly bool
	Before     int64 // only those after notification #Before in the inbox (older); 0: from the newest
	Limit      int   // 0: 100
}

var listInboxSQL = `SELECT ` + deliveryColumnsD + `, r.title, r.message
FROM deliveries d JOIN registrations r ON r.id = d.registration_id
WHERE d.user_id = ? AND d.state IN ` + inboxStates

// deliveryColumnsD is deliveryColumns of the alias d.
var deliveryColumnsD = qualify("d", deliveryColumns)

// ListInbox lists the notifications user userID was sent, newest first.
func (s *Store) ListInbox(ctx context.Context, userID int64, f InboxFilter) ([]InboxItem, error) {
	query := listInboxSQL
	args := []any{userID}
	if f.UnreadOnly {
		query += " AND d.read_at IS NULL"
	}
	if f.Before != 0 {
		query += " AND " + olderThanOwnSQL
		args = append(args, f.Before, f.Before, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	query += " ORDER BY d.due_at DESC, d.id DESC LIMIT " + strconv.Itoa(f.Limit) // literal: a bound LIMIT makes SQLite prepare twice
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox of user #%d: %w", userID, err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		if it.Delivery, err = scanDelivery(suffixScanner{row: rows, suffix: []any{&it.Title, &it.Message}}); err != nil {
			return nil, fmt.Errorf("inbox of user #%d: %w", userID, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inbox of user #%d: %w", userID, err)
	}
	return out, nil
}

const countUnreadSQL = `SELECT COUNT(*) FROM deliveries d WHERE d.user_id = ? AND d.read_at IS NULL AND d.state IN ` + inboxStates

// CountUnread counts the notifications user userID was sent and has not read.
func (s *Store) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, countUnreadSQL, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("unread count of user #%d: %w", userID, err)
	}
	return n, nil
}

const markReadSQL = `UPDATE deliveries SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND state IN ` + inboxStates

// MarkRead marks notifications of user userID read at at: those of ids, or
// every one when ids is empty. It returns how many it marked. An id of
// someone else's delivery, or of one not sent, changes nothing; when ids
// are given and none of them is the user's, it is ErrNotFound.
func (s *Store) MarkRead(ctx context.Context, userID int64, ids []int64, at time.Time) (int, error) {
	query, args := markReadSQL, []any{dbTime(at), userID}
	if len(ids) > 0 {
		query += " AND id IN (" + placeholders(len(ids)) + ")"
		args = append(args, int64Args(ids)...)
	}
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("mark read for user #%d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark read for user #%d: %w", userID, err)
	}
	if n == 0 && len(ids) > 0 {
		var owned int
		q := `SELECT COUNT(*) FROM deliveries WHERE user_id = ? AND state IN ` + inboxStates + ` AND id IN (` + placeholders(len(ids)) + `)`
		if err := s.db.QueryRowContext(ctx, q, append([]any{userID}, int64Args(ids)...)...).Scan(&owned); err != nil {
			return 0, fmt.Errorf("mark read for user #%d: %w", userID, err)
		}
		if owned == 0 {
			return 0, fmt.Errorf("mark read: delivery %v of user #%d: %w", ids, userID, ErrNotFound)
		}
	}
	return int(n), nil
}

// suffixScanner scans the destinations its caller passes, then suffix: a
// scan function of one table reads its columns before another's.
type suffixScanner struct {
	row    interface{ Scan(...any) error }
	suffix []any
}

func (p suffixScanner) Scan(dest ...any) error { return p.row.Scan(append(dest, p.suffix...)...) }
