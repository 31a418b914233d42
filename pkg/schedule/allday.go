package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AllDayAt is when members are reminded of an all-day event: a local
// time of day, some days before the event's date, in each member's zone.
type AllDayAt struct {
	Hour, Minute int
	DaysBefore   int // 0: on the day itself
}

// DefaultAllDayAt is "09:00 the day before".
var DefaultAllDayAt = AllDayAt{Hour: 9, DaysBefore: 1}

// ParseAllDayAt reads calsync.all_day_at: "HH:MM" (on the day), "HH:MM the
// day before", or "HH:MM N days before" (N from 0 to 30).
func ParseAllDayAt(s string) (AllDayAt, error) {
	fields := strings.Fields(strings.ToLower(s))
	bad := fmt.Errorf(`%q is not a time of day and a day, such as "09:00 the day before", "18:00 2 days before" or "08:00" (on the day)`, s)
	if len(fields) == 0 {
		return AllDayAt{}, bad
	}
	var a AllDayAt
	hh, mm, ok := strings.Cut(fields[0], ":")
	var err1, err2 error
	a.Hour, err1 = strconv.Atoi(hh)
	a.Minute, err2 = strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || err1 != nil || err2 != nil || a.Hour > 23 || a.Minute > 59 || a.Hour < 0 || a.Minute < 0 {
		return AllDayAt{}, bad
	}
	switch rest := strings.Join(fields[1:], " "); {
	case rest == "" || rest == "on the day" || rest == "the same day":
	case rest == "the day before" || rest == "1 day before":
		a.DaysBefore = 1
	case strings.HasSuffix(rest, " days before"):
		n, err := strconv.Atoi(strings.TrimSuffix(rest, " days before"))
		if err != nil || n < 0 || n > 30 {
			return AllDayAt{}, bad
		}
		a.DaysBefore = n
	default:
		return AllDayAt{}, bad
	}
	return a, nil
}

func (a AllDayAt) String() string {
	switch a.DaysBefore {
	case 0:
		return fmt.Sprintf("%02d:%02d on the day", a.Hour, a.Minute)
	case 1:
		return fmt.Sprintf("%02d:%02d the day before", a.Hour, a.Minute)
	}
	return fmt.Sprintf("%02d:%02d %d days before", a.Hour, a.Minute, a.DaysBefore)
}

// Due is when a member in loc is reminded of an all-day event on date (its
// year, month and day): a.Hour:a.Minute local time, a.DaysBefore days
// earlier. A time the clocks skip is read as time.Date does (after the jump).
func (a AllDayAt) Due(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d-a.DaysBefore, a.Hour, a.Minute, 0, 0, loc).UTC()
}

// PlanAllDay returns the reminders of an all-day event on date that starts
// at start (its instant, which deliveries name): one per channel, at a.Due
// in loc, whatever the leads of the rule; those due before now are skipped.
func PlanAllDay(start, date time.Time, loc *time.Location, channels []Channel, a AllDayAt, now time.Time) (due, skipped []Planned) {
	at := a.Due(date, loc)
	for _, c := range channels {
		p := Planned{Channel: c, Lead: start.Sub(at), OccurrenceAt: start.UTC(), DueAt: at}
		if p.Past(now) {
			skipped = append(skipped, p)
		} else {
			due = append(due, p)
		}
	}
	return due, skipped
}
