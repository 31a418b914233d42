package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// inChunk is the most ids one IN (...) list names (SQLite allows 32766
// variables a statement; MySQL's packets are large, but plans are not).
const inChunk = 1000

// execIn runs head + "(?, ...)" + tail for ids in chunks of inChunk, with
// before and after as the arguments around the ids, and returns the rows
// affected in all.
func execIn(ctx context.Context, tx *sql.Tx, head string, ids []int64, tail string, before []any, after ...any) (int64, error) {
	var n int64
	for chunk := range chunks(ids) {
		args := append(append(append([]any(nil), before...), int64Args(chunk)...), after...)
		res, err := tx.ExecContext(ctx, head+"("+placeholders(len(chunk))+")"+tail, args...)
		if err != nil {
			return n, err
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += affected
	}
	return n, nil
}

// pairsIn runs a query of two integer columns for ids in chunks of inChunk.
func pairsIn(ctx context.Context, tx *sql.Tx, head string, ids []int64, tail string, before ...any) ([][2]int64, error) {
	var out [][2]int64
	for chunk := range chunks(ids) {
		args := append(append([]any(nil), before...), int64Args(chunk)...)
		rows, err := tx.QueryContext(ctx, head+"("+placeholders(len(chunk))+")"+tail, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p [2]int64
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func chunks(ids []int64) func(func([]int64) bool) {
	return func(yield func([]int64) bool) {
		for len(ids) > 0 {
			n := min(len(ids), inChunk)
			if !yield(ids[:n]) {
				return
			}
			ids = ids[n:]
		}
	}
}

// prunableDeliveriesSQL is served by deliveries_due (state,
// next_attempt_at, id), one finished state at a time, in index order. It
// locks nothing: a locking read of a range also locks the record just past
// it, which for an empty range of finished rows is the first pending one,
// and a claim would skip that delivery (SKIP LOCKED) until the batch ends.
const prunableDeliveriesSQL = `SELECT id FROM deliveries WHERE state = ? AND next_attempt_at < ? AND updated_at < ?
ORDER BY next_attempt_at, id LIMIT ?`

// lockPrunableDeliveriesSQL locks the candidates by primary key, those
// still finished and old, skipping any that someone holds.
var lockPrunableDeliveriesSQL = `SELECT id, id FROM deliveries WHERE state IN (` + placeholders(len(finishedStates)) + `)
AND next_attempt_at < ? AND updated_at < ? AND id IN `

const (
	deleteAttemptsOfSQL  = `DELETE FROM delivery_attempts WHERE delivery_id IN `
	deleteProgressOfSQL  = `DELETE FROM delivery_progress WHERE delivery_id IN `
	deletePrunedDelivSQL = `DELETE FROM deliveries WHERE id IN `
)

// pruneDeliveriesBatch deletes up to BatchSize finished deliveries older
// than the cutoff, with their log and progress rows.
func (s *Store) pruneDeliveriesBatch(ctx context.Context, tx *sql.Tx, opts PruneOptions, _ time.Time) (PruneCounts, bool, error) {
	var c PruneCounts
	cutoff := opts.DeliveriesBefore
	var candidates []int64
	for _, st := range finishedStates {
		if len(candidates) == opts.BatchSize {
			break
		}
		got, err := selectIDs(ctx, tx, prunableDeliveriesSQL, st, cutoff, cutoff, opts.BatchSize-len(candidates))
		if err != nil {
			return c, false, fmt.Errorf("prune deliveries: %w", err)
		}
		candidates = append(candidates, got...)
	}
	if len(candidates) == 0 {
		return c, false, nil
	}
	locked, err := pairsIn(ctx, tx, lockPrunableDeliveriesSQL, candidates, s.skipLocked(),
		append(stateArgs(finishedStates), cutoff, cutoff)...)
	if err != nil {
		return c, false, fmt.Errorf("prune deliveries: %w", err)
	}
	ids := make([]int64, len(locked))
	for i, p := range locked {
		ids[i] = p[0]
	}
	full := len(candidates) == opts.BatchSize
	if len(ids) == 0 {
		return c, false, nil // all held by others: a later run
	}
	if c.DeliveryAttempts, err = execIn(ctx, tx, deleteAttemptsOfSQL, ids, "", nil); err != nil {
		return c, false, fmt.Errorf("prune delivery_attempts: %w", err)
	}
	if c.DeliveryProgress, err = execIn(ctx, tx, deleteProgressOfSQL, ids, "", nil); err != nil {
		return c, false, fmt.Errorf("prune delivery_progress: %w", err)
	}
	if c.Deliveries, err = execIn(ctx, tx, deletePrunedDelivSQL, ids, "", nil); err != nil {
		return c, false, fmt.Errorf("prune deliveries: %w", err)
	}
	s.afterPruneBatch("deliveries")
	return c, full, nil
}

// prunableEventsSQL picks past events by events_start (an event ends
// after it starts: end_at < cutoff implies start_at < cutoff), leaving
// out those with a delivery still to send. It locks nothing.
const prunableEventsSQL = `SELECT e.id FROM events e WHERE e.start_at < ? AND e.end_at < ? AND NOT EXISTS (
SELECT 1 FROM registrations r JOIN deliveries d ON d.registration_id = r.id WHERE r.event_id = e.id AND d.state IN (?, ?))
ORDER BY e.start_at, e.id LIMIT ?`

const (
	registrationCountsOfEventsSQL = `SELECT event_id, COUNT(*) FROM registrations WHERE event_id IN `
	lockEventsSQL                 = `SELECT id, id FROM events WHERE id IN `
	lockRegistrationsOfEventsSQL  = `SELECT id, event_id FROM registrations WHERE event_id IN `
	// deliveriesOfRegistrationsSQL: for each registration with deliveries,
	// 1 if one of them is still to be sent.
	deliveriesOfRegistrationsSQL = `SELECT registration_id, MAX(CASE WHEN state IN (?, ?) THEN 1 ELSE 0 END) FROM deliveries
WHERE registration_id IN `
	detachRegistrationsSQL = `UPDATE registrations SET event_id = NULL, updated_at = ? WHERE id IN `
	deleteUnmatchedOfSQL   = `DELETE FROM registration_unmatched WHERE registration_id IN `
	deleteRegistrationsSQL = `DELETE FROM registrations WHERE id IN `
	deleteEventsSQL        = `DELETE FROM events WHERE id IN `
)

// pruneEventsBatch deletes past events with the registrations that only
// they hold, and detaches the registrations that still have deliveries.
//
// The candidates come from a plain read; then the batch locks them (and
// skips those someone holds), locks their registrations (so that no
// delivery can be added to one meanwhile: adding one checks its
// registration), and reads their deliveries afresh: an event that gained
// a delivery to send since the first read is left alone.
func (s *Store) pruneEventsBatch(ctx context.Context, tx *sql.Tx, opts PruneOptions, now time.Time) (PruneCounts, bool, error) {
	var c PruneCounts
	cutoff := opts.EventsBefore
	live := stateArgs(liveStates)
	candidates, err := selectIDs(ctx, tx, prunableEventsSQL, append(append([]any{cutoff, cutoff}, live...), opts.BatchSize)...)
	if err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	if len(candidates) == 0 {
		return c, false, nil
	}
	full := len(candidates) == opts.BatchSize

	// As many events as their registrations allow.
	regCounts, err := pairsIn(ctx, tx, registrationCountsOfEventsSQL, candidates, " GROUP BY event_id")
	if err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	perEvent := make(map[int64]int64, len(regCounts))
	for _, p := range regCounts {
		perEvent[p[0]] = p[1]
	}
	var regs int64
	for i, id := range candidates {
		if regs += perEvent[id]; i > 0 && regs > int64(opts.BatchSize) {
			candidates, full = candidates[:i], true
			break
		}
	}

	locked, err := pairsIn(ctx, tx, lockEventsSQL, candidates, s.skipLocked())
	if err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	if len(locked) == 0 {
		return c, false, nil // all held by others: a later run
	}
	events := make(map[int64]bool, len(locked))
	eventIDs := make([]int64, 0, len(locked))
	for _, p := range locked {
		events[p[0]] = true
		eventIDs = append(eventIDs, p[0])
	}
	regOf, err := pairsIn(ctx, tx, lockRegistrationsOfEventsSQL, eventIDs, s.forUpdate())
	if err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	regIDs := make([]int64, len(regOf))
	for i, p := range regOf {
		regIDs[i] = p[0]
	}
	withDeliveries, err := pairsIn(ctx, tx, deliveriesOfRegistrationsSQL, regIDs, " GROUP BY registration_id", live...)
	if err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	keep := make(map[int64]bool, len(withDeliveries)) // registrations kept for their deliveries
	liveReg := make(map[int64]bool)
	for _, p := range withDeliveries {
		keep[p[0]] = true
		liveReg[p[0]] = p[1] == 1
	}
	for _, p := range regOf {
		if liveReg[p[0]] {
			delete(events, p[1]) // it gained a delivery to send
		}
	}
	var detach, drop []int64
	for _, p := range regOf {
		switch {
		case !events[p[1]]:
		case keep[p[0]]:
			detach = append(detach, p[0])
		default:
			drop = append(drop, p[0])
		}
	}
	eventIDs = eventIDs[:0]
	for _, p := range locked {
		if events[p[0]] {
			eventIDs = append(eventIDs, p[0])
		}
	}

	if c.RegistrationsDetached, err = execIn(ctx, tx, detachRegistrationsSQL, detach, "", []any{now}); err != nil {
		return c, false, fmt.Errorf("prune events: detach registrations: %w", err)
	}
	if c.RegistrationUnmatched, err = execIn(ctx, tx, deleteUnmatchedOfSQL, drop, "", nil); err != nil {
		return c, false, fmt.Errorf("prune registration_unmatched: %w", err)
	}
	if c.Registrations, err = execIn(ctx, tx, deleteRegistrationsSQL, drop, "", nil); err != nil {
		return c, false, fmt.Errorf("prune registrations: %w", err)
	}
	if c.Events, err = execIn(ctx, tx, deleteEventsSQL, eventIDs, "", nil); err != nil {
		return c, false, fmt.Errorf("prune events: %w", err)
	}
	s.afterPruneBatch("events")
	return c, full && c.Events > 0, nil
}

// prunableRegistrationsSQL picks past registrations without an event and
// without deliveries by registrations_start, in its order. It locks
// nothing. "COALESCE(event_id, 0) = 0" is "event_id IS NULL" (ids start
// at 1) written so that no planner reads every registration without an
// event by registrations_event and sorts them, as SQLite's would.
const prunableRegistrationsSQL = `SELECT r.id FROM registrations r WHERE COALESCE(r.event_id, 0) = 0 AND r.start_at < ? AND NOT EXISTS (
SELECT 1 FROM deliveries d WHERE d.registration_id = r.id) ORDER BY r.start_at, r.id LIMIT ?`

const lockRegistrationsSQL = `SELECT id, id FROM registrations WHERE event_id IS NULL AND id IN `

// pruneRegistrationsBatch deletes past registrations that have no event
// (ad-hoc ones, and those kept when their event was pruned or its
// calendar removed) and no delivery left.
func (s *Store) pruneRegistrationsBatch(ctx context.Context, tx *sql.Tx, opts PruneOptions, _ time.Time) (PruneCounts, bool, error) {
	var c PruneCounts
	candidates, err := selectIDs(ctx, tx, prunableRegistrationsSQL, opts.EventsBefore, opts.BatchSize)
	if err != nil {
		return c, false, fmt.Errorf("prune registrations: %w", err)
	}
	if len(candidates) == 0 {
		return c, false, nil
	}
	locked, err := pairsIn(ctx, tx, lockRegistrationsSQL, candidates, s.skipLocked())
	if err != nil {
		return c, false, fmt.Errorf("prune registrations: %w", err)
	}
	ids := make([]int64, len(locked))
	for i, p := range locked {
		ids[i] = p[0]
	}
	withDeliveries, err := pairsIn(ctx, tx, deliveriesOfRegistrationsSQL, ids, " GROUP BY registration_id", stateArgs(liveStates)...)
	if err != nil {
		return c, false, fmt.Errorf("prune registrations: %w", err)
	}
	has := make(map[int64]bool, len(withDeliveries))
	for _, p := range withDeliveries {
		has[p[0]] = true // gained a delivery since the first read
	}
	drop := ids[:0]
	for _, id := range ids {
		if !has[id] {
			drop = append(drop, id)
		}
	}
	if c.RegistrationUnmatched, err = execIn(ctx, tx, deleteUnmatchedOfSQL, drop, "", nil); err != nil {
		return c, false, fmt.Errorf("prune registration_unmatched: %w", err)
	}
	if c.Registrations, err = execIn(ctx, tx, deleteRegistrationsSQL, drop, "", nil); err != nil {
		return c, false, fmt.Errorf("prune registrations: %w", err)
	}
	s.afterPruneBatch("registrations")
	return c, len(candidates) == opts.BatchSize && c.Registrations > 0, nil
}
