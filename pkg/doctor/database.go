package doctor

import (
	"context"
	"errors"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Database is what the database checks ask of the store.
type Database interface {
	Name() string // where it is, without a password
	CheckSchema(ctx context.Context) error
	DatabaseNow(ctx context.Context) (time.Time, error)
}

// DatabaseCheck checks that the database answers and that its schema is
// the one this pfsnotify needs. openErr is why connecting failed, if it did.
func DatabaseCheck(db Database, openErr error) Check {
	const name = "database"
	return Check{Name: name, Run: func(ctx context.Context) []Result {
		if openErr != nil {
			return one(failf(name, "%v", "check database.driver and database.dsn, and that the server runs and lets this host in", openErr))
		}
		err := db.CheckSchema(ctx)
		switch {
		case err == nil:
			return one(ok(name, "%s answers; the schema is current", db.Name()))
		case errors.Is(err, store.ErrSchemaBehind):
			return one(failf(name, "%s: %v", "run pfsnotify db migrate", db.Name(), err))
		case errors.Is(err, store.ErrSchemaAhead):
			return one(failf(name, "%s: %v", "install the pfsnotify that migrated it (pfsnotify version shows this one)", db.Name(), err))
		}
		return one(failf(name, "%s: %v", "check that the database server runs and answers from this host", db.Name(), err))
	}}
}

// Clock skews beyond which doctor warns and fails: claims carry leases of
// a minute or so, and reminders are due to the minute.
const (
	SkewWarn = 2 * time.Second
	SkewFail = 30 * time.Second
)

// ClockCheck compares the database's clock with this host's. now is the
// host's clock (time.Now).
func ClockCheck(db Database, openErr error, now func() time.Time) Check {
	const name = "clock"
	return Check{Name: name, Run: func(ctx context.Context) []Result {
		if openErr != nil {
			return one(warnf(name, "not checked until the database check passes", "see the database check"))
		}
		before := now()
		dbNow, err := db.DatabaseNow(ctx)
		after := now()
		if err != nil {
			return one(warnf(name, "not checked: %v", "see the database check", err))
		}
		// The database read its clock somewhere within the round trip.
		rtt := after.Sub(before)
		host := before.Add(rtt / 2)
		skew := dbNow.Sub(host)
		// Half a round trip is the most the midpoint can be off by: warn
		// and fail on the least the skew can be, say the most it can be.
		least := max(skew, -skew) - rtt/2
		most := max(skew, -skew) + rtt/2
		abs := max(least, 0)
		switch {
		case abs >= SkewFail:
			return one(failf(name, "the database's clock is %v %s this host's", "run an NTP client (chrony, systemd-timesyncd) on this host and on the database server",
				abs.Round(time.Millisecond), aheadBehind(skew)))
		case abs >= SkewWarn:
			return one(warnf(name, "the database's clock is %v %s this host's", "run an NTP client (chrony, systemd-timesyncd) on this host and on the database server",
				abs.Round(time.Millisecond), aheadBehind(skew)))
		}
		return one(ok(name, "the database's clock and this host's agree within %v", most.Truncate(time.Millisecond)+time.Millisecond))
	}}
}

func aheadBehind(skew time.Duration) string {
	if skew > 0 {
		return "ahead of"
	}
	return "behind"
}
