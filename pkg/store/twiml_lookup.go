package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// serve-twiml looks a delivery up by its token on every request Twilio
// makes, and answers while the caller waits on the line: one query, the
// delivery with its user, registration and event, by the unique token.

// callByTokenSQL reads what a call's words and checks need, and no more:
// every column read costs on every request.
const callByTokenSQL = `SELECT d.id, d.registration_id, d.user_id, d.kind, d.channel, d.lead_seconds, d.occurrence_at,
d.due_at, d.state, d.attempts, d.provider_ref, d.token,
u.login, u.display_name, u.email, u.phone, u.time_zone, u.language, u.disabled,
r.title, r.message, r.status, r.event_id, e.location, e.url, e.status
FROM deliveries d
JOIN registrations r ON r.id = d.registration_id
JOIN users u ON u.id = d.user_id
LEFT JOIN events e ON e.id = r.event_id
WHERE d.token = ?`

// CallByToken finds the delivery a token belongs to, with what its call
// needs (dispatch.Message and dispatch.SkipReason read nothing else), as a
// Claim that claims nothing; ErrNotFound if none. Filled in: the
// delivery's id, registration, user, kind, channel, lead, occurrence and
// due times, state, attempts, provider ref and token; the user's login,
// names, email, phone, zone, language and disabled flag; the
// registration's title, message, status and event; the event's location,
// URL and status. Everything else is zero.
func (s *Store) CallByToken(ctx context.Context, token string) (Claim, error) {
	return scanCall(s.db.QueryRowContext(ctx, callByTokenSQL, token))
}

// CallLookup is the Store with CallByToken served by a prepared
// statement: serve-twiml runs it on every request Twilio makes, and
// parsing the query each time would cost more than running it.
type CallLookup struct {
	*Store
	byToken *sql.Stmt
}

// PrepareCallLookup prepares CallByToken's query; Close releases it (not
// the Store).
func (s *Store) PrepareCallLookup(ctx context.Context) (*CallLookup, error) {
	stmt, err := s.db.PrepareContext(ctx, callByTokenSQL)
	if err != nil {
		return nil, fmt.Errorf("prepare the delivery lookup: %w", err)
	}
	return &CallLookup{Store: s, byToken: stmt}, nil
}

// CallByToken is Store.CallByToken.
func (l *CallLookup) CallByToken(ctx context.Context, token string) (Claim, error) {
	return scanCall(l.byToken.QueryRowContext(ctx, token))
}

// Close releases the prepared statement.
func (l *CallLookup) Close() error { return l.byToken.Close() }

func scanCall(row *sql.Row) (Claim, error) {
	var (
		c                            Claim
		leadSeconds                  int64
		occurrence, due              anyTime
		ref                          sql.NullString
		eventID                      sql.NullInt64
		location, eventURL, evStatus sql.NullString
	)
	d, u, r := &c.Delivery, &c.User, &c.Registration
	err := row.Scan(&d.ID, &d.RegistrationID, &d.UserID, &d.Kind, &d.Channel, &leadSeconds, &occurrence, &due, &d.State,
		&d.Attempts, &ref, &d.Token,
		&u.Login, &u.DisplayName, &u.Email, &u.Phone, &u.TimeZone, &u.Language, &u.Disabled,
		&r.Title, &r.Message, &r.Status, &eventID, &location, &eventURL, &evStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return Claim{}, fmt.Errorf("delivery by token: %w", ErrNotFound)
	}
	if err != nil {
		return Claim{}, fmt.Errorf("delivery by token: %w", err)
	}
	d.Lead, d.OccurrenceAt, d.DueAt, d.ProviderRef = time.Duration(leadSeconds)*time.Second, occurrence.Time, due.Time, ref.String
	u.ID, r.ID, r.UserID, r.EventID = d.UserID, d.RegistrationID, d.UserID, eventID.Int64
	if eventID.Valid {
		c.Event = &Event{ID: eventID.Int64, Location: location.String, URL: eventURL.String, Status: EventStatus(evStatus.String)}
	}
	return c, nil
}
