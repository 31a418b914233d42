package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Upcoming is a registration whose start is ahead, with the reminders
// still to come: what the panel's Upcoming page shows. It is read lean,
// for the page a member opens most: only these fields.
type Upcoming struct {
	ID       int64
	EventID  int64 // 0 for an ad-hoc registration
	RuleID   int64 // 0 when made by hand
	Origin   string
	Title    string
	Message  string
	StartAt  time.Time // UTC
	TimeZone string    // the zone the start was given in
	Channels []schedule.Channel
	Leads    []time.Duration
	Location string     // the event's, "" for an ad-hoc registration
	URL      string     // the event's meeting URL, "" for an ad-hoc registration
	Pending  []Reminder // pending and sending deliveries, by due time
}

// Reminder is a delivery still to be sent, as the Upcoming page shows it.
type Reminder struct {
	ID      int64
	Channel schedule.Channel
	Lead    time.Duration
	DueAt   time.Time
	State   DeliveryState
}

// MaxUpcoming is the most registrations UpcomingOfUser lists.
const MaxUpcoming = 200

// upcomingOfUserSQL reads the upcoming registrations of a user with their
// events and pending reminders, in one statement: the registrations in
// order from the index registrations_upcoming (user_id, status, start_at),
// so nothing is sorted, each joined to its pending deliveries through their
// unique key (registration_id first; SQLite, without statistics, would
// rather scan every pending delivery by state). It has no LIMIT, which
// would count reminders: the reader stops after the registrations it wants.
func upcomingOfUserSQL(d Dialect) string {
	hint := ` INDEXED BY deliveries_once`
	if d == MySQL {
		hint = ` FORCE INDEX (deliveries_once)`
	}
	return `SELECT r.id, r.event_id, r.rule_id, r.origin, r.title, r.message, r.start_at, r.time_zone, r.channels, r.leads,
COALESCE(e.location, ''), COALESCE(e.url, ''), d.id, d.channel, d.lead_seconds, d.due_at, d.state
FROM registrations r LEFT JOIN events e ON e.id = r.event_id
LEFT JOIN deliveries d` + hint + ` ON d.registration_id = r.id AND d.state IN ('pending', 'sending')
WHERE r.user_id = ? AND r.status = ? AND r.start_at > ? AND r.origin <> ?
ORDER BY r.start_at, r.id`
}

// UpcomingOfUser lists the active registrations of user userID that start
// after now, soonest first, at most limit (0 or more than MaxUpcoming:
// MaxUpcoming), each with its pending reminders by due time: one
// statement. The registration that carries test notifications is left out.
func (s *Store) UpcomingOfUser(ctx context.Context, userID int64, now time.Time, limit int) ([]Upcoming, error) {
	rows, err := s.db.QueryContext(ctx, upcomingOfUserSQL(s.dialect), userID, RegistrationActive, dbTime(now), OriginTest)
	return readUpcoming(rows, err, userID, limit)
}

// readUpcoming reads the answer of upcomingOfUserSQL: a row per reminder
// (or one with NULLs for a registration with none), up to limit
// registrations.
func readUpcoming(rows *sql.Rows, err error, userID int64, limit int) ([]Upcoming, error) {
	if err != nil {
		return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
	}
	defer rows.Close()
	if limit <= 0 || limit > MaxUpcoming {
		limit = MaxUpcoming
	}
	var out []Upcoming
	for rows.Next() {
		u, rem, err := scanUpcoming(rows)
		if err != nil {
			return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
		}
		if n := len(out); n == 0 || out[n-1].ID != u.ID {
			if n == limit {
				break
			}
			out = append(out, u)
		}
		if rem != nil {
			last := &out[len(out)-1]
			last.Pending = append(last.Pending, *rem)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
	}
	for i := range out {
		slices.SortFunc(out[i].Pending, func(a, b Reminder) int {
			return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
		})
	}
	return out, nil
}

// scanUpcoming reads a row of upcomingOfUserSQL: the registration, and its
// reminder (nil when it has none pending).
func scanUpcoming(row scanner) (Upcoming, *Reminder, error) {
	var u Upcoming
	var eventID, ruleID, remID, leadSeconds sql.NullInt64
	var channels, leads string
	var remChannel, remState sql.NullString
	var due anyTime
	if err := row.Scan(&u.ID, &eventID, &ruleID, &u.Origin, &u.Title, &u.Message, &u.StartAt, &u.TimeZone, &channels, &leads,
		&u.Location, &u.URL, &remID, &remChannel, &leadSeconds, &due, &remState); err != nil {
		return Upcoming{}, nil, err
	}
	u.EventID, u.RuleID = eventID.Int64, ruleID.Int64
	var err error
	if u.Channels, err = schedule.ParseChannels(channels); err != nil {
		return Upcoming{}, nil, fmt.Errorf("registration #%d channels: %w", u.ID, err)
	}
	if u.Leads, err = schedule.DecodeLeadSeconds(leads); err != nil {
		return Upcoming{}, nil, fmt.Errorf("registration #%d leads: %w", u.ID, err)
	}
	if !remID.Valid {
		return u, nil, nil
	}
	return u, &Reminder{ID: remID.Int64, Channel: schedule.Channel(remChannel.String), Lead: time.Duration(leadSeconds.Int64) * time.Second,
		DueAt: due.Time, State: DeliveryState(remState.String)}, nil
}
