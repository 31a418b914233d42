package benchdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// SeedDuePushes adds a user per browser subscription in subs, each
// registered for one event in three hours with leads push reminders (1 to
// leads minutes before), and makes every delivery due now. It returns how
// many deliveries are due.
func SeedDuePushes(ctx context.Context, db config.Database, subs []store.PushSubscription, leads int) (int, error) {
	s, err := store.Open(ctx, db)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	start := time.Now().Add(3 * time.Hour)
	before := make([]time.Duration, leads)
	for i := range before {
		before[i] = time.Duration(i+1) * time.Minute
	}
	for i, sub := range subs {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("member%05d", i), TimeZone: "Europe/Zurich", Language: "en-GB"})
		if err != nil {
			return 0, err
		}
		sub.UserID, sub.UserAgent = u.ID, "bench"
		if _, err := s.SavePushSubscription(ctx, sub); err != nil {
			return 0, err
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Collaboration meeting",
			StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelPush}, Leads: before,
			CreatedBy: "bench"}); err != nil {
			return 0, err
		}
	}
	return makeAllDue(ctx, db)
}

// SeedDueCalls registers n people with a phone for a meeting at start, with
// a call reminder each a minute before, makes them all due now, and returns
// how many are due.
func SeedDueCalls(ctx context.Context, db config.Database, n int, start time.Time) (int, error) {
	s, err := store.Open(ctx, db)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	for i := range n {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("caller%05d", i), Phone: fmt.Sprintf("+412276%05d", i),
			TimeZone: "Europe/Zurich", Language: "en-GB"})
		if err != nil {
			return 0, err
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Run coordination",
			StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelCall},
			Leads: []time.Duration{time.Minute}, CreatedBy: "bench"}); err != nil {
			return 0, err
		}
	}
	return makeAllDue(ctx, db)
}

// makeAllDue makes every delivery due a minute ago and returns how many.
func makeAllDue(ctx context.Context, db config.Database) (int, error) {
	raw, err := sql.Open(db.Driver, db.DSN)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	res, err := raw.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?`, time.Now().UTC().Add(-time.Minute).Truncate(time.Microsecond))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// States counts deliveries per state.
func States(ctx context.Context, db config.Database) (map[string]int, error) {
	raw, err := sql.Open(db.Driver, db.DSN)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}
