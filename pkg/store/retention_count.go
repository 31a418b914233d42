package store

import (
	"context"
	"fmt"
)

// CountPrunable counts, changing nothing, what Prune with opts would
// delete if it ran to the end now (its budget and batch limits aside).
// It takes no lock: each count is a plain read with opts.BatchTimeout.
func (s *Store) CountPrunable(ctx context.Context, opts PruneOptions) (PruneCounts, error) {
	opts = opts.withDefaults()
	var c PruneCounts

	// prunable(d): the delivery d goes in the first phase.
	prunable, prunableArgs := "1 = 0", []any(nil)
	var counts []prunableCount
	if !opts.DeliveriesBefore.IsZero() {
		prunable = "d.state IN (" + placeholders(len(finishedStates)) + ") AND d.next_attempt_at < ? AND d.updated_at < ?"
		prunableArgs = append(stateArgs(finishedStates), opts.DeliveriesBefore, opts.DeliveriesBefore)
		counts = []prunableCount{
			{&c.Deliveries, "deliveries", `SELECT COUNT(*) FROM deliveries d WHERE ` + prunable, prunableArgs},
			{&c.DeliveryAttempts, "delivery_attempts", `SELECT COUNT(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE ` + prunable, prunableArgs},
			{&c.DeliveryProgress, "delivery_progress", `SELECT COUNT(*) FROM delivery_progress p JOIN deliveries d ON d.id = p.delivery_id WHERE ` + prunable, prunableArgs},
		}
	}

	if !opts.EventsBefore.IsZero() {
		cutoff := opts.EventsBefore
		// An event goes unless one of its registrations has a delivery to send.
		event := `e.start_at < ? AND e.end_at < ? AND NOT EXISTS (SELECT 1 FROM registrations r2 JOIN deliveries d ON d.registration_id = r2.id
WHERE r2.event_id = e.id AND d.state IN (?, ?))`
		eventArgs := append([]any{cutoff, cutoff}, stateArgs(liveStates)...)
		// A registration keeps a delivery that the first phase leaves.
		kept := `EXISTS (SELECT 1 FROM deliveries d WHERE d.registration_id = r.id AND NOT (` + prunable + `))`
		// The registrations deleted: of an event that goes, or without an
		// event and past, with no delivery kept.
		gone := `((r.event_id IN (SELECT e.id FROM events e WHERE ` + event + `)) OR (r.event_id IS NULL AND r.start_at < ?)) AND NOT ` + kept
		goneArgs := append(append(append([]any(nil), eventArgs...), cutoff), prunableArgs...)
		counts = append(counts, []prunableCount{
			{&c.Events, "events", `SELECT COUNT(*) FROM events e WHERE ` + event, eventArgs},
			{&c.Registrations, "registrations", `SELECT COUNT(*) FROM registrations r WHERE ` + gone, goneArgs},
			{&c.RegistrationUnmatched, "registration_unmatched", `SELECT COUNT(*) FROM registration_unmatched u JOIN registrations r ON r.id = u.registration_id WHERE ` + gone, goneArgs},
			{&c.RegistrationsDetached, "registrations", `SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE ` + event + ` AND ` + kept,
				append(append([]any(nil), eventArgs...), prunableArgs...)},
		}...)
	}

	for _, q := range counts {
		if err := s.countWithin(ctx, opts, q.into, q.query, q.args...); err != nil {
			return c, fmt.Errorf("count prunable %s: %w", q.table, err)
		}
	}
	return c, nil
}

// prunableCount is one count of CountPrunable: what it counts, and into
// which field.
type prunableCount struct {
	into  *int64
	table string
	query string
	args  []any
}

func (s *Store) countWithin(ctx context.Context, opts PruneOptions, into *int64, query string, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, opts.BatchTimeout)
	defer cancel()
	return s.db.QueryRowContext(ctx, query, args...).Scan(into)
}
