package calsync

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// A zone turns the wall-clock times of an iCalendar feed into instants.
// Wall times are carried as time.Time values in UTC whose fields are the
// wall clock ("floating" times), so that recurrence rules expand on the
// wall clock, as RFC 5545 wants, and the zone is applied afterwards.
type zone interface {
	// offsetAt is the UTC offset in seconds in effect at instant t.
	offsetAt(t time.Time) int
	// ianaName is the IANA name to store with events, or "" if unknown.
	ianaName() string
}

// ianaZone is a zone of the tz database.
type ianaZone struct{ loc *time.Location }

func (z ianaZone) offsetAt(t time.Time) int {
	_, off := t.In(z.loc).Zone()
	return off
}

func (z ianaZone) ianaName() string { return z.loc.String() }

// floating returns the wall clock of t's fields as a UTC time.
func floating(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// wallOf returns the wall clock, in z, of instant t.
func wallOf(t time.Time, z zone) time.Time {
	return t.UTC().Add(time.Duration(z.offsetAt(t)) * time.Second)
}

// instantOf returns the instant that the wall clock wall names in z, the
// way RFC 5545 (3.3.5) reads local times: a time that the clocks skip (in a
// DST gap) is read with the offset from before the gap, so 02:30 on the day
// clocks jump from 02:00 to 03:00 is 03:30; a time that happens twice (when
// clocks go back) is the first of the two.
func instantOf(wall time.Time, z zone) time.Time {
	u := floating(wall)
	var offsets []int
	for _, d := range []time.Duration{-48 * time.Hour, -24 * time.Hour, 0, 24 * time.Hour, 48 * time.Hour} {
		off := z.offsetAt(u.Add(d))
		if !containsInt(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var best, earliest time.Time
	for _, off := range offsets {
		c := u.Add(-time.Duration(off) * time.Second)
		if earliest.IsZero() || c.Before(earliest) {
			earliest = c
		}
		if z.offsetAt(c) == off && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: the offset before it is the one in effect at the earliest
	// candidate, which falls before the jump.
	return u.Add(-time.Duration(z.offsetAt(earliest)) * time.Second)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ruleZone is a zone defined only by a VTIMEZONE of the feed: its UTC
// offset at any instant comes from the onsets of its STANDARD and DAYLIGHT
// observances, expanded up to a bound.
type ruleZone struct {
	tzid   string
	iana   string  // a guess from X-LIC-LOCATION, or ""
	onsets []onset // sorted by instant
	before int     // the offset before the first onset
}

type onset struct {
	at     time.Time // UTC
	offset int       // seconds, from then on
}

func (z *ruleZone) offsetAt(t time.Time) int {
	i := sort.Search(len(z.onsets), func(i int) bool { return z.onsets[i].at.After(t) })
	if i == 0 {
		return z.before
	}
	return z.onsets[i-1].offset
}

func (z *ruleZone) ianaName() string { return z.iana }

// maxOnsets bounds the onsets expanded for one VTIMEZONE.
const maxOnsets = 20000

// newRuleZone reads a VTIMEZONE, expanding the onsets of its observances
// up to until.
func newRuleZone(tzid string, vtz *ical.Component, until time.Time) (*ruleZone, error) {
	z := &ruleZone{tzid: tzid}
	first := time.Time{}
	for _, obs := range vtz.Children {
		if obs.Name != "STANDARD" && obs.Name != "DAYLIGHT" {
			continue
		}
		from, err := utcOffsetProp(obs, "TZOFFSETFROM")
		if err != nil {
			return nil, fmt.Errorf("time zone %q: %w", tzid, err)
		}
		to, err := utcOffsetProp(obs, "TZOFFSETTO")
		if err != nil {
			return nil, fmt.Errorf("time zone %q: %w", tzid, err)
		}
		startProp := obs.Props.Get(ical.PropDateTimeStart)
		if startProp == nil {
			return nil, fmt.Errorf("time zone %q: %s has no DTSTART", tzid, obs.Name)
		}
		start, err := time.Parse("20060102T150405", strings.TrimSpace(startProp.Value))
		if err != nil || start.Year() == 0 { // year 0 panics rrule-go
			return nil, fmt.Errorf("time zone %q: %s DTSTART %q is not a local date-time", tzid, obs.Name, startProp.Value)
		}
		walls := []time.Time{start}
		if rr := obs.Props.Get(ical.PropRecurrenceRule); rr != nil {
			opt, err := rrule.StrToROption(rr.Value)
			if err != nil {
				return nil, fmt.Errorf("time zone %q: RRULE %q: %v", tzid, rr.Value, err)
			}
			if !opt.Until.IsZero() && untilIsUTC(rr.Value) {
				// UNTIL in UTC: on the wall clock it is later by the offset then.
				opt.Until = opt.Until.Add(time.Duration(from) * time.Second)
			}
			opt.Dtstart = start
			r, err := rrule.NewRRule(*opt)
			if err != nil {
				return nil, fmt.Errorf("time zone %q: RRULE %q: %v", tzid, rr.Value, err)
			}
			n := 0
			err = walkRRule(r, func(w time.Time) (bool, error) {
				if w.After(until) {
					return false, nil
				}
				if n++; n > maxOnsets {
					return false, fmt.Errorf("more than %d changes of offset before %s", maxOnsets, until.Format(time.DateOnly))
				}
				if !w.Equal(start) {
					walls = append(walls, w)
				}
				return true, nil
			})
			if err != nil {
				return nil, fmt.Errorf("time zone %q: RRULE %q: %v", tzid, rr.Value, err)
			}
		}
		for _, rd := range obs.Props.Values(ical.PropRecurrenceDates) {
			for _, v := range strings.Split(rd.Value, ",") {
				w, err := time.Parse("20060102T150405", strings.TrimSpace(v))
				if err != nil {
					return nil, fmt.Errorf("time zone %q: RDATE %q is not a local date-time", tzid, v)
				}
				walls = append(walls, w)
			}
		}
		for _, w := range walls {
			at := w.Add(-time.Duration(from) * time.Second)
			z.onsets = append(z.onsets, onset{at: at, offset: to})
			if first.IsZero() || at.Before(first) {
				first, z.before = at, from
			}
		}
		if len(z.onsets) > maxOnsets {
			return nil, fmt.Errorf("time zone %q: more than %d changes of offset", tzid, maxOnsets)
		}
	}
	if len(z.onsets) == 0 {
		return nil, fmt.Errorf("time zone %q: its VTIMEZONE has no STANDARD or DAYLIGHT part", tzid)
	}
	sort.SliceStable(z.onsets, func(i, j int) bool { return z.onsets[i].at.Before(z.onsets[j].at) })
	if loc := loadIANA(propText(vtz, "X-LIC-LOCATION")); loc != nil {
		z.iana = loc.String()
	}
	return z, nil
}

// utcOffsetProp reads a UTC offset such as "+0100", "-0500" or "+053000".
func utcOffsetProp(c *ical.Component, name string) (int, error) {
	p := c.Props.Get(name)
	if p == nil {
		return 0, fmt.Errorf("its %s part has no %s", c.Name, name)
	}
	v := strings.TrimSpace(p.Value)
	if (len(v) != 5 && len(v) != 7) || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("its %s part: %s %q is not a UTC offset like +0100", c.Name, name, v)
	}
	digits := v[1:] + strings.Repeat("0", 7-len(v))
	h, err1 := strconv.Atoi(digits[0:2])
	m, err2 := strconv.Atoi(digits[2:4])
	s, err3 := strconv.Atoi(digits[4:6])
	if err1 != nil || err2 != nil || err3 != nil || m > 59 || s > 59 {
		return 0, fmt.Errorf("its %s part: %s %q is not a UTC offset like +0100", c.Name, name, v)
	}
	off := h*3600 + m*60 + s
	if v[0] == '-' {
		off = -off
	}
	return off, nil
}

// loadIANA loads name from the tz database, or returns nil.
func loadIANA(name string) *time.Location {
	name = strings.Trim(strings.TrimSpace(name), `"`)
	if name == "" || name == "Local" {
		return nil
	}
	loc, err := schedule.LoadZone(name)
	if err != nil {
		return nil
	}
	return loc
}

// windowsZones maps the Windows zone names that Outlook and Exchange put in
// TZID to IANA zones (CLDR's windowsZones, the main zone of each).
var windowsZones = map[string]string{
	"Dateline Standard Time":          "Etc/GMT+12",
	"Hawaiian Standard Time":          "Pacific/Honolulu",
	"Alaskan Standard Time":           "America/Anchorage",
	"Pacific Standard Time":           "America/Los_Angeles",
	"US Mountain Standard Time":       "America/Phoenix",
	"Mountain Standard Time":          "America/Denver",
	"Central Standard Time":           "America/Chicago",
	"Central America Standard Time":   "America/Guatemala",
	"Canada Central Standard Time":    "America/Regina",
	"Central Standard Time (Mexico)":  "America/Mexico_City",
	"Eastern Standard Time":           "America/New_York",
	"US Eastern Standard Time":        "America/Indianapolis",
	"SA Pacific Standard Time":        "America/Bogota",
	"Atlantic Standard Time":          "America/Halifax",
	"Newfoundland Standard Time":      "America/St_Johns",
	"E. South America Standard Time":  "America/Sao_Paulo",
	"Argentina Standard Time":         "America/Buenos_Aires",
	"Pacific SA Standard Time":        "America/Santiago",
	"UTC":                             "UTC",
	"GMT Standard Time":               "Europe/London",
	"Greenwich Standard Time":         "Atlantic/Reykjavik",
	"W. Europe Standard Time":         "Europe/Berlin",
	"Central Europe Standard Time":    "Europe/Budapest",
	"Romance Standard Time":           "Europe/Paris",
	"Central European Standard Time":  "Europe/Warsaw",
	"W. Central Africa Standard Time": "Africa/Lagos",
	"GTB Standard Time":               "Europe/Bucharest",
	"E. Europe Standard Time":         "Europe/Chisinau",
	"FLE Standard Time":               "Europe/Kiev",
	"Israel Standard Time":            "Asia/Jerusalem",
	"South Africa Standard Time":      "Africa/Johannesburg",
	"Egypt Standard Time":             "Africa/Cairo",
	"Turkey Standard Time":            "Europe/Istanbul",
	"Russian Standard Time":           "Europe/Moscow",
	"Arabian Standard Time":           "Asia/Dubai",
	"Iran Standard Time":              "Asia/Tehran",
	"Pakistan Standard Time":          "Asia/Karachi",
	"India Standard Time":             "Asia/Calcutta",
	"Nepal Standard Time":             "Asia/Katmandu",
	"Bangladesh Standard Time":        "Asia/Dhaka",
	"SE Asia Standard Time":           "Asia/Bangkok",
	"China Standard Time":             "Asia/Shanghai",
	"Singapore Standard Time":         "Asia/Singapore",
	"Taipei Standard Time":            "Asia/Taipei",
	"Tokyo Standard Time":             "Asia/Tokyo",
	"Korea Standard Time":             "Asia/Seoul",
	"AUS Central Standard Time":       "Australia/Darwin",
	"AUS Eastern Standard Time":       "Australia/Sydney",
	"E. Australia Standard Time":      "Australia/Brisbane",
	"W. Australia Standard Time":      "Australia/Perth",
	"New Zealand Standard Time":       "Pacific/Auckland",
}

// zoneResolver finds the zone of each TZID of a feed, once.
type zoneResolver struct {
	vtimezones map[string]*ical.Component
	until      time.Time // how far rule zones are expanded
	cache      map[string]zone
}

func newZoneResolver(vtimezones map[string]*ical.Component, until time.Time) *zoneResolver {
	return &zoneResolver{vtimezones: vtimezones, until: until, cache: make(map[string]zone)}
}

// resolve finds the zone that tzid names: a tz database name as it is;
// one that ends in such a name ("/mozilla.org/20050126_1/Europe/Berlin"); a
// Windows zone name; or else the feed's VTIMEZONE of that TZID, through its
// X-LIC-LOCATION or, failing that, its own rules. The tz database wins over
// a VTIMEZONE for a name it knows: feeds often carry only the current rules.
func (r *zoneResolver) resolve(tzid string) (zone, error) {
	if z, ok := r.cache[tzid]; ok {
		return z, nil
	}
	z, err := r.find(tzid)
	if err != nil {
		return nil, err
	}
	r.cache[tzid] = z
	return z, nil
}

func (r *zoneResolver) find(tzid string) (zone, error) {
	name := strings.Trim(strings.TrimSpace(tzid), `"`)
	if loc := loadIANA(name); loc != nil {
		return ianaZone{loc}, nil
	}
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		if loc := loadIANA(strings.Join(parts[i:], "/")); loc != nil && strings.Contains(loc.String(), "/") {
			return ianaZone{loc}, nil
		}
	}
	if iana, ok := windowsZones[name]; ok {
		if loc := loadIANA(iana); loc != nil {
			return ianaZone{loc}, nil
		}
	}
	vtz := r.vtimezones[tzid]
	if vtz == nil {
		return nil, fmt.Errorf("unknown time zone %q: it is no IANA name and the feed has no VTIMEZONE for it", tzid)
	}
	if loc := loadIANA(propText(vtz, "X-LIC-LOCATION")); loc != nil {
		return ianaZone{loc}, nil
	}
	return newRuleZone(tzid, vtz, r.until)
}

// untilIsUTC reports whether the UNTIL of a recurrence rule is in UTC.
func untilIsUTC(rule string) bool {
	for _, part := range strings.Split(rule, ";") {
		if v, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(part)), "UNTIL="); ok {
			return strings.HasSuffix(v, "Z")
		}
	}
	return false
}

// propText is the text of c's property name, unescaped, or "".
func propText(c *ical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	return unescapeText(p.Value)
}

// unescapeText reads an iCalendar TEXT value (RFC 5545 3.3.11). It is more
// lenient than the RFC, as feeds are: an unescaped comma is kept (go-ical's
// Text would cut the value there) and an unknown escape is kept as written.
func unescapeText(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var sb strings.Builder
	sb.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 == len(v) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch n := v[i]; n {
		case 'n', 'N':
			sb.WriteByte('\n')
		case '\\', ';', ',', ':', '"':
			sb.WriteByte(n)
		default:
			sb.WriteByte('\\')
			sb.WriteByte(n)
		}
	}
	return sb.String()
}
