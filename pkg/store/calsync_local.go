package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Events local to each member (RFC 5545): an all-day event is reminded of
// at calsync.all_day_at in each member's zone; a floating event (its zone
// "": neither the feed nor the calendar names one) starts at its wall clock
// (stored as UTC) in each member's zone.

// allDayOr is at, or the default when nil.
func allDayOr(at *schedule.AllDayAt) schedule.AllDayAt {
	if at == nil {
		return schedule.DefaultAllDayAt
	}
	return *at
}

// memberStart is when an event that starts at start (in zone; "" when
// floating) starts for a member in member.
func memberStart(start time.Time, zone string, member *time.Location) time.Time {
	if zone != "" {
		return start
	}
	w := start.UTC()
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), member).UTC()
}

// eventDate is the date of an event that starts at start in zone ("": the
// wall clock stored as UTC).
func eventDate(start time.Time, zone string) time.Time {
	loc := time.UTC
	if zone != "" {
		if l, err := schedule.LoadZone(zone); err == nil {
			loc = l
		}
	}
	return start.In(loc)
}

// localEvent is what planning a member's reminders takes from an event.
type localEvent struct {
	start  time.Time
	zone   string // "": floating
	allDay bool
}

// planFor returns a member's start of ev, its zone, and the reminders of a
// registration on channels with leads: leads before the start, or one per
// channel at at (the all-day reminder time) in the member's zone.
func planFor(ev localEvent, member *time.Location, channels []schedule.Channel, leads []time.Duration,
	at schedule.AllDayAt, now time.Time) (start time.Time, zone string, due, skipped []schedule.Planned) {
	start, zone = memberStart(ev.start, ev.zone, member), ev.zone
	if zone == "" {
		zone = member.String()
	}
	if ev.allDay {
		due, skipped = schedule.PlanAllDay(start, eventDate(ev.start, ev.zone), member, channels, at, now)
		return start, zone, due, skipped
	}
	due, skipped = schedule.Plan(start, channels, leads, now)
	return start, zone, due, skipped
}

const userZoneSQL = `SELECT time_zone FROM users WHERE id = ?`

// userZoneTx finds the zone of a user, caching in zones; a user whose
// zone does not load (or who is gone) is in UTC.
func userZoneTx(ctx context.Context, tx *sql.Tx, userID int64, zones map[int64]*time.Location) (*time.Location, error) {
	if loc, ok := zones[userID]; ok {
		return loc, nil
	}
	var name string
	err := tx.QueryRowContext(ctx, userZoneSQL, userID).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user #%d: %w", userID, err)
	}
	loc, lerr := schedule.LoadZone(name)
	if lerr != nil {
		loc = time.UTC
	}
	zones[userID] = loc
	return loc, nil
}
