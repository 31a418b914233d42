package config

import "github.com/pfsnotify/pfsnotify/pkg/schedule"

// AllDay is all_day_at parsed, or nil when it does not parse (Validate
// says why): when members are reminded of all-day events.
func (c Calsync) AllDay() *schedule.AllDayAt {
	at, err := schedule.ParseAllDayAt(c.AllDayAt)
	if err != nil {
		return nil
	}
	return &at
}
