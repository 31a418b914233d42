package store

import (
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// anyTime scans a column or expression that holds an instant, NULL allowed.
// MySQL hands DATETIME values over as time.Time; SQLite does so only for
// columns declared DATETIME, and as text for expressions such as MIN(due_at).
type anyTime struct{ Time time.Time }

// sqliteTimeLayouts are the forms modernc.org/sqlite writes (with _time_format=sqlite).
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano}

// Scan implements sql.Scanner.
func (a *anyTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		a.Time = time.Time{}
		return nil
	case time.Time:
		a.Time = v.UTC()
		return nil
	case []byte:
		return a.parse(string(v))
	case string:
		return a.parse(v)
	}
	return fmt.Errorf("scan time: unsupported type %T", v)
}

func (a *anyTime) parse(s string) error {
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			a.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time: %q is not a time", s)
}

// decodeChannelsLeads reads the channels and leads columns of a rule, a
// registration or a person's preferences; what names the row in errors.
func decodeChannelsLeads(what, channels, leads string) ([]schedule.Channel, []time.Duration, error) {
	cs, err := schedule.ParseChannels(channels)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: channels: %w", what, err)
	}
	ls, err := schedule.DecodeLeadSeconds(leads)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: leads: %w", what, err)
	}
	return cs, ls, nil
}
