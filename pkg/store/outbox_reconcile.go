package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// FinalCallStatuses are the call statuses that end a call: after one of
// them Twilio reports nothing more (twiliostatus ranks them last).
var FinalCallStatuses = []string{"completed", "busy", "no-answer", "failed", "canceled"}

// CallToReconcile is a call that Twilio took and that nothing has been
// heard of since: its delivery is sent, on the call ProviderRef, with no
// final status recorded, and unchanged for a while.
type CallToReconcile struct {
	ID          int64
	ProviderRef string    // the call SID
	Token       string    // the delivery's token, the key of ApplyReport; a secret, never logged
	Attempt     int       // the delivery's attempts
	SentAt      time.Time // when invoke recorded the call
	UpdatedAt   time.Time // the delivery's last change (or look-up)
}

// callsToReconcileSQL walks deliveries_reconcile (state, channel,
// updated_at): the sent calls, oldest change first, and stops at the
// bound. The progress check is one primary-key probe per row: a LEFT JOIN,
// which MariaDB does not turn into a scan of every progress row, as it may
// a NOT EXISTS (materialized).
const callsToReconcileSQL = `SELECT d.id, d.provider_ref, d.token, d.attempts, d.sent_at, d.updated_at FROM deliveries d
LEFT JOIN delivery_progress p ON p.delivery_id = d.id AND p.provider_ref = d.provider_ref AND p.last_status IN (?, ?, ?, ?, ?)
WHERE d.state = ? AND d.channel = ? AND d.updated_at <= ? AND d.sent_at <= ? AND d.provider_ref IS NOT NULL AND d.provider_ref <> ''
AND p.delivery_id IS NULL
ORDER BY d.updated_at, d.id LIMIT ?`

// CallsToReconcile lists up to limit calls to look up at Twilio: call
// deliveries sent with a call SID, with no final status of that call
// recorded, sent and unchanged since before (a look-up that finds the
// call still under way changes updated_at: see ReportChange.Touch), the
// longest unchanged first. Finish one with ApplyReport by its Token.
func (s *Store) CallsToReconcile(ctx context.Context, before time.Time, limit int) ([]CallToReconcile, error) {
	before = dbTime(before)
	var args []any
	for _, st := range FinalCallStatuses {
		args = append(args, st)
	}
	args = append(args, StateSent, schedule.ChannelCall, before, before)
	rows, err := s.db.QueryContext(ctx, callsToReconcileSQL, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("calls to reconcile: %w", err)
	}
	defer rows.Close()
	var out []CallToReconcile
	for rows.Next() {
		var c CallToReconcile
		var ref sql.NullString
		var sent, updated anyTime
		if err := rows.Scan(&c.ID, &ref, &c.Token, &c.Attempt, &sent, &updated); err != nil {
			return nil, fmt.Errorf("calls to reconcile: %w", err)
		}
		c.ProviderRef, c.SentAt, c.UpdatedAt = ref.String, sent.Time, updated.Time
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("calls to reconcile: %w", err)
	}
	return out, nil
}
