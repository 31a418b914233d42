package config

import "time"

// Day is 24 hours, the unit of the retention periods ("400d").
const Day = 24 * time.Hour

// Retention says how long finished history is kept in the database before
// calendar-sync (after each run) and "pfsnotify db prune" delete it. A
// period of 0 keeps that history for ever.
type Retention struct {
	// Deliveries: a finished delivery (sent, failed, cancelled, answered,
	// acknowledged) is deleted, with its delivery log and call progress,
	// once its last change and its last attempt are older than this.
	Deliveries time.Duration `mapstructure:"deliveries"`
	// Events: an event that ended longer ago than this is deleted with the
	// registrations for it that have no delivery left; a registration still
	// holding deliveries is kept (detached from the event) until they go.
	// Past ad-hoc registrations without deliveries go after the same time.
	Events time.Duration `mapstructure:"events"`
	// BatchSize is how many rows one short transaction deletes.
	BatchSize int `mapstructure:"batch_size"`
	// CalendarSyncBudget is how long calendar-sync may prune after each
	// run (a backlog is worked off over several runs); 0: calendar-sync
	// does not prune (run "pfsnotify db prune" from cron instead).
	CalendarSyncBudget time.Duration `mapstructure:"calendar_sync_budget"`
}

// MaxRetentionBatch bounds retention.batch_size: a batch names its rows in
// one statement, and holds its locks until it commits.
const MaxRetentionBatch = 5000

func defaultRetention() Retention {
	return Retention{Deliveries: 400 * Day, Events: 400 * Day, BatchSize: 500, CalendarSyncBudget: 10 * time.Second}
}

func (p *problems) retention(r Retention, c Calsync) {
	for _, k := range []struct {
		key string
		d   time.Duration
	}{{"retention.deliveries", r.Deliveries}, {"retention.events", r.Events}} {
		switch {
		case k.d < 0:
			p.add(k.key, `%s is negative (use e.g. "400d", or 0 to keep for ever)`, k.d)
		case k.d > 0 && k.d < Day:
			// "400s" for "400d" would delete nearly all history at once.
			p.add(k.key, `%s is shorter than a day (use whole days such as "400d", or 0 to keep for ever)`, k.d)
		}
	}
	if r.Events > 0 && r.Events <= c.Lookback {
		p.add("retention.events", "%s is not longer than calsync.lookback (%s): calendar-sync would bring pruned events back", r.Events, c.Lookback)
	}
	if r.BatchSize < 1 || r.BatchSize > MaxRetentionBatch {
		p.add("retention.batch_size", "%d is out of range (use 1 to %d; 500 is the default)", r.BatchSize, MaxRetentionBatch)
	}
	if r.CalendarSyncBudget < 0 || r.CalendarSyncBudget > 10*time.Minute {
		p.add("retention.calendar_sync_budget", `%s is out of range (use 0 to 10m, e.g. "10s"; 0: calendar-sync does not prune)`, r.CalendarSyncBudget)
	}
}
