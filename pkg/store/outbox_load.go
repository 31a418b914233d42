package store

import (
	"context"
	"fmt"
)

// loadClaims reads the deliveries ids with their users, registrations and
// events: four queries for a whole batch.
func (s *Store) loadClaims(ctx context.Context, ids []int64, takenOver map[int64]bool) ([]Claim, error) {
	deliveries, err := s.deliveriesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var userIDs, regIDs []int64
	for _, d := range deliveries {
		userIDs = append(userIDs, d.UserID)
		regIDs = append(regIDs, d.RegistrationID)
	}
	users, err := s.usersByID(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	regs, err := s.registrationsByID(ctx, regIDs)
	if err != nil {
		return nil, err
	}
	var eventIDs []int64
	for _, r := range regs {
		if r.EventID != 0 {
			eventIDs = append(eventIDs, r.EventID)
		}
	}
	events, err := s.eventsByID(ctx, eventIDs)
	if err != nil {
		return nil, err
	}
	// Only a reminder of a calendar event can have a duplicate through
	// another registration (another rule matching the same event).
	var ofEvents []int64
	for _, d := range deliveries {
		if regs[d.RegistrationID].EventID != 0 {
			ofEvents = append(ofEvents, d.ID)
		}
	}
	dups, err := s.duplicatesOf(ctx, ofEvents)
	if err != nil {
		return nil, err
	}
	claims := make([]Claim, 0, len(deliveries))
	for _, d := range deliveries {
		c := Claim{Delivery: d, User: users[d.UserID], Registration: regs[d.RegistrationID], TakenOver: takenOver[d.ID],
			DuplicateOf: dups[d.ID]}
		if ev, ok := events[c.Registration.EventID]; ok {
			c.Event = &ev
		}
		claims = append(claims, c)
	}
	return claims, nil
}

const duplicatesOfSQL = `SELECT c.id, MIN(d.id) FROM deliveries c
JOIN registrations rc ON rc.id = c.registration_id
JOIN registrations r ON r.event_id = rc.event_id
JOIN deliveries d ON d.registration_id = r.id AND d.user_id = c.user_id AND d.kind = c.kind AND d.channel = c.channel
  AND d.occurrence_at = c.occurrence_at AND d.lead_seconds = c.lead_seconds AND d.id < c.id AND d.state <> ? AND d.state <> ?
WHERE rc.event_id IS NOT NULL AND c.id IN `

// duplicatesOf finds, for the deliveries ids, the earliest live delivery
// of the same reminder through another registration for the same event
// (see Claim.DuplicateOf): one query for a whole batch.
func (s *Store) duplicatesOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := append([]any{StateCancelled, StateFailed}, int64Args(ids)...)
	rows, err := s.db.QueryContext(ctx, duplicatesOfSQL+"("+placeholders(len(ids))+") GROUP BY c.id", args...)
	if err != nil {
		return nil, fmt.Errorf("look for duplicate deliveries: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]int64)
	for rows.Next() {
		var id, dup int64
		if err := rows.Scan(&id, &dup); err != nil {
			return nil, fmt.Errorf("look for duplicate deliveries: %w", err)
		}
		out[id] = dup
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look for duplicate deliveries: %w", err)
	}
	return out, nil
}

func (s *Store) deliveriesByID(ctx context.Context, ids []int64) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id IN (`+placeholders(len(ids))+
		`) ORDER BY next_attempt_at, id`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load claimed deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("load claimed deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load claimed deliveries: %w", err)
	}
	return out, nil
}

func (s *Store) usersByID(ctx context.Context, ids []int64) (map[int64]User, error) {
	out := make(map[int64]User)
	err := s.scanByID(ctx, `SELECT `+userColumns+` FROM users WHERE id IN `, ids, func(sc scanner) error {
		u, err := scanUser(sc)
		out[u.ID] = u
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	return out, nil
}

func (s *Store) registrationsByID(ctx context.Context, ids []int64) (map[int64]Registration, error) {
	out := make(map[int64]Registration)
	err := s.scanByID(ctx, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id IN `, ids, func(sc scanner) error {
		r, err := scanRegistration(sc)
		out[r.ID] = r
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load registrations: %w", err)
	}
	return out, nil
}

func (s *Store) eventsByID(ctx context.Context, ids []int64) (map[int64]Event, error) {
	out := make(map[int64]Event)
	err := s.scanByID(ctx, `SELECT `+eventColumns+` FROM events WHERE id IN `, ids, func(sc scanner) error {
		e, err := scanEvent(sc)
		out[e.ID] = e
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	return out, nil
}

// scanner is a row.
type scanner interface{ Scan(...any) error }

// scanByID runs query + "(?, ?, ...)" over the distinct ids and calls scan
// for each row.
func (s *Store) scanByID(ctx context.Context, query string, ids []int64, scan func(scanner) error) error {
	ids = distinct(ids)
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, query+"("+placeholders(len(ids))+")", int64Args(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
