package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// PendingCall is a call waiting in the outbox, for planning bursts.
type PendingCall struct {
	ID            int64
	NextAttemptAt time.Time
	OccurrenceAt  time.Time
}

const pendingCallsSQL = `SELECT id, next_attempt_at, occurrence_at FROM deliveries
WHERE state = ? AND next_attempt_at <= ? AND channel = 'call' AND kind = ? ORDER BY next_attempt_at, id`

// PendingCalls lists the pending reminder calls due by until, earliest
// first: those a burst may start early so that all start before their
// event. A call of a message sent now, or of a notice that an event moved
// or was cancelled, has no start to make and never leaves before it is due.
func (s *Store) PendingCalls(ctx context.Context, until time.Time) ([]PendingCall, error) {
	rows, err := s.db.QueryContext(ctx, pendingCallsSQL, StatePending, dbTime(until), KindReminder)
	if err != nil {
		return nil, fmt.Errorf("pending calls: %w", err)
	}
	defer rows.Close()
	var out []PendingCall
	for rows.Next() {
		var c PendingCall
		var next, occurrence anyTime
		if err := rows.Scan(&c.ID, &next, &occurrence); err != nil {
			return nil, fmt.Errorf("pending calls: %w", err)
		}
		c.NextAttemptAt, c.OccurrenceAt = next.Time, occurrence.Time
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending calls: %w", err)
	}
	return out, nil
}

const advanceSQL = `UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = ? AND next_attempt_at > ?`

// Advance moves pending deliveries earlier: each to its time in at, only if
// still pending and due later than that. It never moves one later. Runs
// that plan the same burst at once move the same rows to the same times;
// each locks them in id order, and a deadlock victim tries again.
func (s *Store) Advance(ctx context.Context, at map[int64]time.Time) error {
	if len(at) == 0 {
		return nil
	}
	now := s.clock()
	ids := slices.Sorted(maps.Keys(at))
	return s.inTxRetry(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			t := dbTime(at[id])
			if _, err := tx.ExecContext(ctx, advanceSQL, t, now, id, StatePending, t); err != nil {
				return fmt.Errorf("advance delivery #%d: %w", id, err)
			}
		}
		return nil
	})
}

// Pace spaces the sends of rate-limited channels (Twilio's calls and texts
// per second) across every process that claims from the database: the
// account's rate is one for all of them.
type Pace struct {
	// Gap is the least time between two sends of a channel; a channel not
	// named is not paced. Only channels with a row in the pacing table
	// (call, sms) can be paced.
	Gap map[schedule.Channel]time.Duration
	// Ahead is how far past now a claim may take slots: a claimed send
	// waits at most this long for its slot, well within its lease.
	Ahead time.Duration
}

// applies reports whether any picked row is of a paced channel.
func (p Pace) applies(rows []pickedRow) bool {
	if len(p.Gap) == 0 {
		return false
	}
	for _, r := range rows {
		if _, ok := p.Gap[schedule.Channel(r.channel)]; ok {
			return true
		}
	}
	return false
}

// pacer gives the picked sends of paced channels their slots, in a claim's
// transaction. Each paced channel's row in the pacing table holds its next
// free slot; the claim locks them (FOR UPDATE on MySQL; SQLite's claim holds
// the single write lock) before anything else, so claims of every process
// take slots one after the other and no two slots of a channel are closer
// than its gap.
type pacer struct {
	s    *Store
	tx   *sql.Tx
	pace Pace
	next map[string]time.Time // each paced channel's next free slot
	now  time.Time            // read when the pacing rows are locked
}

const lockPacingSQL = `SELECT channel, next_slot_at FROM pacing WHERE channel IN (%s) ORDER BY channel`

const movePacingSQL = `UPDATE pacing SET next_slot_at = ? WHERE channel = ?`

// lockPacing reads and locks the pacing rows of pace's channels in tx.
func (s *Store) lockPacing(ctx context.Context, tx *sql.Tx, pace Pace) (*pacer, error) {
	var channels []any
	for _, c := range slices.Sorted(maps.Keys(pace.Gap)) {
		channels = append(channels, string(c))
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(lockPacingSQL, placeholders(len(channels)))+s.forUpdate(), channels...)
	if err != nil {
		return nil, fmt.Errorf("lock pacing: %w", err)
	}
	defer rows.Close()
	p := &pacer{s: s, tx: tx, pace: pace, next: make(map[string]time.Time)}
	for rows.Next() {
		var channel string
		var at anyTime
		if err := rows.Scan(&channel, &at); err != nil {
			return nil, fmt.Errorf("lock pacing: %w", err)
		}
		p.next[channel] = at.Time
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock pacing: %w", err)
	}
	for _, c := range channels {
		if _, ok := p.next[c.(string)]; !ok {
			return nil, fmt.Errorf("lock pacing: the %s channel cannot be paced (no pacing row)", c)
		}
	}
	// The time is read once the rows are ours: a claim that waited for the
	// lock while others took slots must not place its sends in the past.
	p.now = s.clock()
	return p, nil
}

// slot keeps the picked rows that are not paced and those of paced
// channels whose next slot is within Ahead, noting each one's slot in
// notBefore, and moves the channels' next slots on. It leaves the rest
// unclaimed and returns, if it left any, the time from which a claim can
// take the next slot.
func (p *pacer) slot(ctx context.Context, picked []pickedRow, notBefore map[int64]time.Time) ([]pickedRow, time.Time, error) {
	moved := make(map[string]bool)
	horizon := p.now.Add(p.pace.Ahead)
	var kept []pickedRow
	var until time.Time
	for _, r := range picked {
		gap, paced := p.pace.Gap[schedule.Channel(r.channel)]
		if !paced {
			kept = append(kept, r)
			continue
		}
		slot := latest(p.next[r.channel], p.now)
		if slot.After(horizon.Add(gap)) {
			// No claim takes a slot past its horizon: this one came from a
			// clock that has since been set back (or a host whose clock is
			// ahead). Waiting for it could hold calls back for hours.
			slot = p.now
		}
		if slot.After(horizon) {
			if t := slot.Add(-p.pace.Ahead); until.IsZero() || t.Before(until) {
				until = t
			}
			continue
		}
		notBefore[r.id] = slot
		p.next[r.channel] = slot.Add(gap)
		moved[r.channel] = true
		kept = append(kept, r)
	}
	for channel := range moved {
		if _, err := p.tx.ExecContext(ctx, movePacingSQL, dbTime(p.next[channel]), channel); err != nil {
			return nil, time.Time{}, fmt.Errorf("pace %s: %w", channel, err)
		}
	}
	return kept, until, nil
}

const claimUnpacedSQL = `SELECT id, channel FROM deliveries WHERE state = ? AND next_attempt_at <= ? AND channel NOT IN (%s)%s
ORDER BY next_attempt_at, id LIMIT ?`

// unpaced picks up to limit due deliveries of the channels that are not
// paced, other than those already picked: what waits behind paced sends
// whose slots are taken, so that a burst of calls holds up no push.
func (p *pacer) unpaced(ctx context.Context, limit int, picked []pickedRow) ([]pickedRow, error) {
	args := []any{StatePending, p.now}
	var paced []string
	for ch := range p.pace.Gap {
		paced = append(paced, string(ch))
	}
	slices.Sort(paced)
	for _, ch := range paced {
		args = append(args, ch)
	}
	notPicked := ""
	if len(picked) > 0 {
		notPicked = " AND id NOT IN (" + placeholders(len(picked)) + ")"
		for _, r := range picked {
			args = append(args, r.id)
		}
	}
	args = append(args, limit)
	rows, err := selectPicked(ctx, p.tx, fmt.Sprintf(claimUnpacedSQL, placeholders(len(paced)), notPicked)+p.s.claimLock(), args...)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries behind paced ones: %w", err)
	}
	return rows, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
