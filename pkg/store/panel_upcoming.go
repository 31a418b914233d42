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
//
// On SQLite the two instants are read as their text, which anyTime parses
// in the form they are stored in: modernc.org/sqlite, for a DATETIME
// column, first tries a form they are never in, and the failed parse's
// error is a fifth of the page's allocations.
//
// With page set it reads only what the Upcoming page shows (UpcomingPage):
// every column of a row costs the SQLite driver a copy under two mutexes.
func upcomingOfUserSQL(d Dialect, page bool) string {
	hint := ` INDEXED BY deliveries_once`
	start, due := `CAST(r.start_at AS TEXT)`, `CAST(d.due_at AS TEXT)`
	if d == MySQL {
		hint = ` FORCE INDEX (deliveries_once)`
		start, due = `r.start_at`, `d.due_at`
	}
	columns := `r.id, r.event_id, r.rule_id, r.origin, r.title, r.message, ` + start + `, COALESCE(e.location, ''), COALESCE(e.url, ''),
d.id, d.channel, d.lead_seconds, ` + due
	if !page {
		columns += `, r.time_zone, r.channels, r.leads, d.state`
	}
	return `SELECT ` + columns + `
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
	rows, err := s.db.QueryContext(ctx, upcomingOfUserSQL(s.dialect, false), userID, RegistrationActive, dbTime(now), OriginTest)
	return readUpcoming(rows, err, userID, limit, false)
}

// readUpcoming reads the answer of upcomingOfUserSQL: a row per reminder
// (or one with NULLs for a registration with none), up to limit
// registrations; with page set, the columns of upcomingOfUserSQL's page
// form only. Every row is scanned into the same upcomingRow, and a
// registration's own columns are kept only from its first row: the page a
// member opens most allocates per reminder only what it shows.
func readUpcoming(rows *sql.Rows, err error, userID int64, limit int, page bool) ([]Upcoming, error) {
	if err != nil {
		return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
	}
	defer rows.Close()
	if limit <= 0 || limit > MaxUpcoming {
		limit = MaxUpcoming
	}
	out := make([]Upcoming, 0, 16)
	row := newUpcomingRow(page)
	for rows.Next() {
		if err := rows.Scan(row.dest...); err != nil {
			return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
		}
		if n := len(out); n == 0 || out[n-1].ID != row.u.ID {
			if n == limit {
				break
			}
			u, err := row.upcoming()
			if err != nil {
				return nil, fmt.Errorf("upcoming of user #%d: %w", userID, err)
			}
			out = append(out, u)
		}
		if row.remID.Valid {
			last := &out[len(out)-1]
			last.Pending = append(last.Pending, Reminder{ID: row.remID.Int64, Channel: schedule.Channel(row.remChannel.String),
				Lead: time.Duration(row.leadSeconds.Int64) * time.Second, DueAt: row.due.Time, State: DeliveryState(row.remState.String)})
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

// upcomingRow is where a row of upcomingOfUserSQL is scanned: the
// registration's columns, then its reminder's (NULL when it has none).
type upcomingRow struct {
	u                                   Upcoming
	eventID, ruleID, remID, leadSeconds sql.NullInt64
	channels, leads                     string
	remChannel, remState                sql.NullString
	start, due                          anyTime
	page                                bool  // the page's columns only
	dest                                []any // the fields above, in the statement's order
}

func newUpcomingRow(page bool) *upcomingRow {
	r := &upcomingRow{page: page}
	r.dest = []any{&r.u.ID, &r.eventID, &r.ruleID, &r.u.Origin, &r.u.Title, &r.u.Message, &r.start, &r.u.Location, &r.u.URL,
		&r.remID, &r.remChannel, &r.leadSeconds, &r.due}
	if !page {
		r.dest = append(r.dest, &r.u.TimeZone, &r.channels, &r.leads, &r.remState)
	}
	return r
}

// upcoming is the registration of the row scanned last, without reminders.
func (r *upcomingRow) upcoming() (Upcoming, error) {
	u := r.u
	u.EventID, u.RuleID, u.StartAt = r.eventID.Int64, r.ruleID.Int64, r.start.Time
	if r.page {
		return u, nil
	}
	var err error
	if u.Channels, u.Leads, err = decodeChannelsLeads(fmt.Sprintf("registration #%d", u.ID), r.channels, r.leads); err != nil {
		return Upcoming{}, err
	}
	return u, nil
}
