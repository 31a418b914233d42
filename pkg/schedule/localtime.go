package schedule

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// localTimePattern matches the date-times ParseLocalTime accepts: date, "T" or a space,
// clock with optional seconds and fraction, optional offset ("Z", "+09:00", "+0900")
// optionally after a space. Groups: year, month, day, hour, minute, second, fraction, offset.
var localTimePattern = regexp.MustCompile(
	`^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)? ?([Zz]|[+-]\d{2}:?\d{2})?$`)

// datePattern matches the dates StartOfDay accepts. Groups: year, month, day.
var datePattern = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)

const acceptedForms = `"2026-12-01 09:00", "2026-12-01 09:00:30", "2026-12-01T09:00", ` +
	`or with an offset "2026-12-01 09:00 +09:00", "2026-12-01T09:00:00Z"`

// ParseLocalTime reads a date-time typed by a person and returns the instant it names, in UTC.
//
// Without an offset ("2026-12-01 09:00", "2026-12-01 09:00:30", "2026-12-01T09:00") it is a
// wall-clock time in loc. A wall time that clocks skip (a DST gap) is a
// *NonexistentTimeError; one they show twice (a DST overlap) is an *AmbiguousTimeError,
// which tells the person to add the offset.
//
// With a numeric offset ("2026-10-25 02:30 +01:00") the offset picks the instant, and it
// must be an offset loc has at that instant: one of the two in a DST overlap, or the one
// in effect otherwise; any other is an *OffsetError (a typo, or the wrong zone). "Z"
// ("2026-12-01T09:00:00Z") names an instant in UTC without saying anything of the local
// offset (RFC 9557 §2), so it is taken in any zone. With loc nil, any offset is taken.
//
// Out-of-range fields (2026-02-30, 25:00) and anything else are errors naming the input.
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	m := localTimePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("cannot read %q as a date and time: write it like %s", s, acceptedForms)
	}
	year, month, day, hour, minute := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5])
	second, nanos := 0, 0
	if m[6] != "" {
		second = atoi(m[6])
	}
	if m[7] != "" {
		nanos = atoi((m[7][1:] + "00000000")[:9])
	}
	if err := checkDate(year, month, day); err != nil {
		return time.Time{}, fmt.Errorf("invalid date-time %q: %w", s, err)
	}
	if err := checkClock(hour, minute, second); err != nil {
		return time.Time{}, fmt.Errorf("invalid date-time %q: %w", s, err)
	}
	// wall carries the fields as typed; its zone (UTC) means nothing yet.
	wall := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)

	if offset := m[8]; offset != "" {
		d, err := parseOffset(offset)
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid date-time %q: %w", s, err)
		}
		t := wall.Add(-d)
		if loc != nil && offset != "Z" && offset != "z" && offsetAt(loc, t) != d {
			return time.Time{}, newOffsetError(wall, d, loc)
		}
		return t, nil
	}
	if loc == nil {
		return time.Time{}, fmt.Errorf("cannot read %q: no time zone given", s)
	}
	instants, jump := resolveWall(wall, loc)
	switch len(instants) {
	case 0:
		return time.Time{}, &NonexistentTimeError{Wall: formatWall(wall), Zone: loc, Jump: jump}
	case 1:
		return instants[0], nil
	default:
		return time.Time{}, &AmbiguousTimeError{Wall: formatWall(wall), Zone: loc, Earlier: instants[0], Later: instants[len(instants)-1]}
	}
}

// StartOfDay returns the first instant, in UTC, of the date ("2026-12-01") in loc: when an
// all-day event starts. That is local midnight, or, where clocks jump over midnight that
// day (America/Santiago, America/Havana, Asia/Beirut), the instant they jump; where
// midnight happens twice, the first time.
func StartOfDay(date string, loc *time.Location) (time.Time, error) {
	m := datePattern.FindStringSubmatch(strings.TrimSpace(date))
	if m == nil {
		return time.Time{}, fmt.Errorf("cannot read %q as a date: write it like 2026-12-01", date)
	}
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if err := checkDate(year, month, day); err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q: %w", date, err)
	}
	if loc == nil {
		return time.Time{}, fmt.Errorf("cannot read %q: no time zone given", date)
	}
	midnight := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	instants, jump := resolveWall(midnight, loc)
	if len(instants) > 0 {
		return instants[0], nil
	}
	if jump.In(loc).Format(time.DateOnly) == midnight.Format(time.DateOnly) {
		return jump, nil
	}
	// The clocks skip the whole day (Pacific/Apia, 2011-12-30).
	return time.Time{}, &NonexistentTimeError{Wall: midnight.Format(time.DateOnly), Zone: loc, Jump: jump}
}

// NonexistentTimeError is a wall time that clocks in Zone skip, in a DST gap.
type NonexistentTimeError struct {
	Wall string         // the wall time as read, "2027-03-14 02:30"
	Zone *time.Location // where it does not exist
	Jump time.Time      // the instant clocks jump over it, UTC
}

func (e *NonexistentTimeError) Error() string {
	_, before := e.Jump.Add(-time.Nanosecond).In(e.Zone).Zone()
	from := e.Jump.In(time.FixedZone("", before))
	to := e.Jump.In(e.Zone)
	layout := "15:04"
	if from.Format(time.DateOnly) != to.Format(time.DateOnly) {
		layout = "2006-01-02 15:04"
	}
	return fmt.Sprintf("%s does not exist in %s: clocks jump from %s to %s",
		e.Wall, e.Zone, from.Format(layout), to.Format(layout))
}

// OffsetError is a wall time written with an offset that its zone does not have at that
// time: "2027-10-31 02:30 +05:00" in Europe/Berlin, which is at +02:00 or +01:00 then.
type OffsetError struct {
	Wall   string         // the wall time as read, without the offset
	Offset time.Duration  // the offset written, east of UTC
	Zone   *time.Location // the zone it was read in
	Valid  []time.Time    // the instants the wall time names in Zone (none in a DST gap)
}

func newOffsetError(wall time.Time, offset time.Duration, loc *time.Location) *OffsetError {
	instants, _ := resolveWall(wall, loc)
	return &OffsetError{Wall: formatWall(wall), Offset: offset, Zone: loc, Valid: instants}
}

func (e *OffsetError) Error() string {
	written := time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", int(e.Offset/time.Second))).Format("-07:00")
	if len(e.Valid) == 0 {
		return fmt.Sprintf("%s %s: %s does not exist in %s (clocks skip it), with or without an offset", e.Wall, written, e.Wall, e.Zone)
	}
	labels := make([]string, len(e.Valid))
	for i, t := range e.Valid {
		labels[i] = offsetLabel(t.In(e.Zone))
	}
	return fmt.Sprintf("%s %s: %s is at %s at %s, not %s; drop the offset or write one of those",
		e.Wall, written, e.Zone, strings.Join(labels, " or "), e.Wall, written)
}

// AmbiguousTimeError is a wall time that clocks in Zone show twice, in a DST overlap.
type AmbiguousTimeError struct {
	Wall           string         // the wall time as read, "2026-11-01 01:30"
	Zone           *time.Location // where it happens twice
	Earlier, Later time.Time      // the two instants it names, UTC
}

func (e *AmbiguousTimeError) Error() string {
	earlier, later := e.Earlier.In(e.Zone), e.Later.In(e.Zone)
	return fmt.Sprintf("%s happens twice in %s (%s and %s); add the offset, e.g. \"%s %s\"",
		e.Wall, e.Zone, offsetLabel(earlier), offsetLabel(later), e.Wall, earlier.Format("-07:00"))
}

// offsetLabel names the zone in effect at t: "EDT -04:00", or "-03:00" for a zone whose
// abbreviation is a bare number.
func offsetLabel(t time.Time) string {
	if abbrev := zoneAbbrev(t); abbrev != "" {
		return abbrev + " " + t.Format("-07:00")
	}
	return t.Format("-07:00")
}

// searchWindow bounds how far a UTC offset can be from zero (tzdata has none past ±16h).
const searchWindow = 26 * time.Hour

// probeStep is how often resolveWall samples a zone's offset. tzdata has no offset that lasts
// less than 30 hours, so hourly samples see every offset in effect near a wall time.
//
// resolveWall samples instead of walking time.Time.ZoneBounds because ZoneBounds can return
// an end before the instant asked about (golang/go#81583, the last day of leap years ruled
// by a zone's POSIX TZ footer, e.g. 2076-12-31 in Europe/Paris), which never advances.
const probeStep = time.Hour

// resolveWall returns the instants, in UTC, at which clocks in loc show wall (of which only
// the fields count, not the zone): one normally, two (earlier first) in a DST overlap, none
// in a DST gap. In a gap, jump is the instant the clocks jump over wall.
func resolveWall(wall time.Time, loc *time.Location) (instants []time.Time, jump time.Time) {
	from, to := wall.Add(-searchWindow), wall.Add(searchWindow)
	prev, prevOffset := from, offsetAt(loc, from)
	offsets := []time.Duration{prevOffset}
	for t := from.Add(probeStep); !t.After(to); t = t.Add(probeStep) {
		offset := offsetAt(loc, t)
		if offset != prevOffset {
			offsets = append(offsets, offset)
			// At change, clocks went from change+prevOffset to change+offset.
			change := findChange(loc, prev, t)
			if !wall.Before(change.Add(prevOffset)) && wall.Before(change.Add(offset)) {
				jump = change
			}
		}
		prev, prevOffset = t, offset
	}
	for _, offset := range offsets {
		if t := wall.Add(-offset); offsetAt(loc, t) == offset && !slices.ContainsFunc(instants, t.Equal) {
			instants = append(instants, t)
		}
	}
	slices.SortFunc(instants, time.Time.Compare)
	return instants, jump
}

// findChange returns the instant in (a, b] at which loc's offset changes from its value at a,
// given that it changes once in between.
func findChange(loc *time.Location, a, b time.Time) time.Time {
	before := offsetAt(loc, a)
	for b.Sub(a) > time.Nanosecond {
		mid := a.Add(b.Sub(a) / 2)
		if offsetAt(loc, mid) == before {
			a = mid
		} else {
			b = mid
		}
	}
	return b
}

// offsetAt returns loc's UTC offset at instant t.
func offsetAt(loc *time.Location, t time.Time) time.Duration {
	_, seconds := t.In(loc).Zone()
	return time.Duration(seconds) * time.Second
}

// checkDate reports a month or day that does not exist.
func checkDate(year, month, day int) error {
	if month < 1 || month > 12 {
		return fmt.Errorf("month %d does not exist (01-12)", month)
	}
	if last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); day < 1 || day > last {
		return fmt.Errorf("%s %d has no day %d", time.Month(month), year, day)
	}
	return nil
}

// checkClock reports an hour, minute or second out of range.
func checkClock(hour, minute, second int) error {
	switch {
	case hour > 23:
		return fmt.Errorf("hour %d is out of range (00-23)", hour)
	case minute > 59:
		return fmt.Errorf("minute %d is out of range (00-59)", minute)
	case second > 59:
		return fmt.Errorf("second %d is out of range (00-59)", second)
	}
	return nil
}

// parseOffset reads "Z", "+09:00" or "-0430" as a duration east of UTC.
func parseOffset(s string) (time.Duration, error) {
	if s == "Z" || s == "z" {
		return 0, nil
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	hours, minutes := atoi(digits[:2]), atoi(digits[2:])
	if hours > 23 || minutes > 59 {
		return 0, fmt.Errorf("offset %s is out of range", s)
	}
	d := time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
	if s[0] == '-' {
		d = -d
	}
	return d, nil
}

// atoi converts digits already matched by a pattern, so it cannot fail.
func atoi(digits string) int {
	n, _ := strconv.Atoi(digits)
	return n
}
