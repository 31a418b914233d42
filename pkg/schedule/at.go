package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxRelative is the longest "+…" ParseAt takes: far enough for any
// reminder, short enough never to overflow.
const maxRelative = 1000 * Day

// AtForms lists what ParseAt accepts, for help texts and errors.
const AtForms = `"+2h", "+1d12h", "now", "today 14:30", "tomorrow 09:00", "monday 09:00" ` +
	`(the next Monday at 09:00 still ahead), or ` + acceptedForms

// weekday reads a day's full English name or its first three letters, lower case.
func weekday(word string) (time.Weekday, bool) {
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if name := strings.ToLower(wd.String()); word == name || word == name[:3] {
			return wd, true
		}
	}
	return 0, false
}

// ParseAt reads the instant of an --at flag, in UTC. Beside every form of ParseLocalTime
// (read in loc), it takes forms relative to now, which keep scripts and examples from
// going stale:
//
//   - "now", and "+DURATION" after now: "+2h", "+90m", "+1d12h" (a "d" is 24 hours);
//   - "today HH:MM", "tomorrow HH:MM" (seconds and an offset may follow, as in
//     ParseLocalTime): that clock time on that day in loc;
//   - "WEEKDAY HH:MM" ("monday 09:00", "mon 09:00"): the next such time still ahead of
//     now in loc, today's if it has not passed.
//
// Day words are matched without regard to case. A clock time that loc skips or shows
// twice on that day is an error, as with ParseLocalTime; so is an offset that loc does
// not have then.
func ParseAt(s string, loc *time.Location, now time.Time) (time.Time, error) {
	in := strings.TrimSpace(s)
	lower := strings.ToLower(in)
	switch {
	case lower == "now":
		return now.UTC(), nil
	case strings.HasPrefix(in, "+"):
		d, err := parseRelative(in[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("cannot read %q as a time after now: %v; write it like +2h, +90m or +1d12h", s, err)
		}
		return now.Add(d).UTC(), nil
	}
	first, rest, _ := strings.Cut(in, " ")
	word, clock := strings.ToLower(first), strings.TrimSpace(rest)
	var days []int // days after today to try, in order
	switch wd, isWeekday := weekday(word); {
	case word == "today":
		days = []int{0}
	case word == "tomorrow":
		days = []int{1}
	case isWeekday:
		if loc == nil {
			return time.Time{}, fmt.Errorf("cannot read %q: no time zone given", s)
		}
		k := (int(wd) - int(now.In(loc).Weekday()) + 7) % 7
		days = []int{k, k + 7}
	default:
		return parseAbsolute(s, loc)
	}
	if loc == nil {
		return time.Time{}, fmt.Errorf("cannot read %q: no time zone given", s)
	}
	if !strings.Contains(clock, ":") {
		return time.Time{}, fmt.Errorf("cannot read %q: give a clock time after %q, e.g. %q", s, word, word+" 09:00")
	}
	y, m, d := now.In(loc).Date()
	var t time.Time
	for _, k := range days {
		date := time.Date(y, m, d+k, 12, 0, 0, 0, time.UTC).Format(time.DateOnly)
		var err error
		if t, err = ParseLocalTime(date+" "+clock, loc); err != nil {
			return time.Time{}, fmt.Errorf("%q (%s): %w", s, date, err)
		}
		if t.After(now) {
			break
		}
	}
	return t, nil
}

// parseAbsolute is ParseLocalTime with an error that also names the relative forms.
func parseAbsolute(s string, loc *time.Location) (time.Time, error) {
	if !localTimePattern.MatchString(strings.TrimSpace(s)) {
		return time.Time{}, fmt.Errorf("cannot read %q as a time: write it like %s", s, AtForms)
	}
	return ParseLocalTime(s, loc)
}

// parseRelative reads "2h", "90m", "1d12h": an optional whole number of days, then an
// optional time.ParseDuration string; positive, at most maxRelative.
func parseRelative(s string) (time.Duration, error) {
	var days int64
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s[:i])
		}
		if n > int64(maxRelative/Day) {
			return 0, fmt.Errorf("more than %d days", maxRelative/Day)
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		if rest[0] == '+' || rest[0] == '-' {
			return 0, fmt.Errorf("%q has a sign inside", s)
		}
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
	} else if days == 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	if d > maxRelative {
		return 0, fmt.Errorf("more than %d days", maxRelative/Day)
	}
	total := time.Duration(days)*Day + d
	if total > maxRelative {
		return 0, fmt.Errorf("more than %d days", maxRelative/Day)
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not after now", s)
	}
	return total, nil
}
