package locale

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateFields are what the date formats (FormatDateTime,
// FormatSpokenDateTime, FormatSpokenClock) may name.
type DateFields struct {
	Year        int
	Month       string // "Dec", "Dez."
	MonthLong   string // "December"
	MonthNumber int    // 12
	Day         int    // 3
	Weekday     string // "Thu", "木"
	WeekdayLong string // "Thursday", "木曜日"
	Clock       string // "19:30"
	Hour        int    // 19
	Minute      string // "30", "05"
	MinuteNum   int    // 30, 5, 0: for languages that say "9時" at 9:00
	Zone        string // "JST", "MEZ", "UTC+05:30"
}

// formats are a language's names of days and months, read once.
type formats struct {
	weekdays, weekdaysLong [7]string
	months, monthsLong     [12]string
	err                    error // a list that is broken; the shipped ones are not (tested)
}

func (l *Language) loadFormats() formats {
	var f formats
	for _, x := range []struct {
		id  string
		dst []string
	}{
		{"WeekdaysShort", f.weekdays[:]}, {"WeekdaysLong", f.weekdaysLong[:]},
		{"MonthsShort", f.months[:]}, {"MonthsLong", f.monthsLong[:]},
	} {
		items, err := l.list(x.id, len(x.dst))
		if err != nil {
			f.err = err
			return f
		}
		copy(x.dst, items)
	}
	return f
}

// fields are t's date fields in this language, in t's location.
func (l *Language) fields(t time.Time) DateFields {
	f := &l.formats
	return DateFields{
		Year: t.Year(), Month: f.months[t.Month()-1], MonthLong: f.monthsLong[t.Month()-1], MonthNumber: int(t.Month()),
		Day: t.Day(), Weekday: f.weekdays[t.Weekday()], WeekdayLong: f.weekdaysLong[t.Weekday()],
		Clock: t.Format("15:04"), Hour: t.Hour(), Minute: t.Format("04"), MinuteNum: t.Minute(), Zone: ZoneName(l.Tag, t),
	}
}

func (l *Language) format(id string, t time.Time) (string, error) {
	if l.formats.err != nil {
		return "", l.formats.err
	}
	return l.T(id, l.fields(t))
}

// DateTime writes t, in its location, as the language writes a date and
// time, with the zone named: "Thu 3 Dec 2026 11:30 CET",
// "2026年12月3日(木) 19:30 JST", "Do., 3. Dez. 2026, 11:30 MEZ".
func (l *Language) DateTime(t time.Time) (string, error) { return l.format("FormatDateTime", t) }

// ShortDateTime writes t, in its location, without year or zone, for a
// page whose zone is said once: "Thu 3 Dec 11:30", "12月3日(木) 19:30".
func (l *Language) ShortDateTime(t time.Time) (string, error) {
	return l.format("FormatShortDateTime", t)
}

// SpokenDateTime is t as a voice reads it well, with the zone named:
// "Thursday 3 December at 11:30, CET".
func (l *Language) SpokenDateTime(t time.Time) (string, error) {
	return l.format("FormatSpokenDateTime", t)
}

// SpokenClock is the time of day of t as a voice reads it: "11:30",
// "19時30分".
func (l *Language) SpokenClock(t time.Time) (string, error) { return l.format("FormatSpokenClock", t) }

// Duration puts d in words with the plural rules of the language: "1 hour
// 30 minutes", "1時間30分", "1 Stunde 30 Minuten". It is rounded to the
// minute, from a day on to the hour, so that it has at most two units
// ("2 days 2 hours"). Less than a minute is "0 minutes".
func (l *Language) Duration(d time.Duration) (string, error) {
	d = d.Round(time.Minute)
	if d >= 24*time.Hour {
		d = d.Round(time.Hour)
	}
	units := []struct {
		id   string
		size time.Duration
	}{{"Days", 24 * time.Hour}, {"Hours", time.Hour}, {"Minutes", time.Minute}}
	var out string
	for _, u := range units {
		n := int(d / u.size)
		if n == 0 {
			continue
		}
		d -= time.Duration(n) * u.size
		part, err := l.Count(u.id, n)
		if err != nil {
			return "", err
		}
		if out == "" {
			out = part
			continue
		}
		if out, err = l.T("DurationJoin", map[string]any{"First": out, "Second": part}); err != nil {
			return "", err
		}
	}
	if out == "" {
		return l.Count("Minutes", 0)
	}
	return out, nil
}

// In says when something d from now happens: "in 10 minutes", "10分後";
// under a minute, "now".
func (l *Language) In(d time.Duration) (string, error) {
	if d.Round(time.Minute) < time.Minute {
		return l.T("RelativeNow", nil)
	}
	dur, err := l.Duration(d)
	if err != nil {
		return "", err
	}
	return l.T("RelativeIn", map[string]any{"Duration": dur})
}

// Ago says when something d ago happened: "10 minutes ago", "10分前";
// under a minute, "now".
func (l *Language) Ago(d time.Duration) (string, error) {
	if d.Round(time.Minute) < time.Minute {
		return l.T("RelativeNow", nil)
	}
	dur, err := l.Duration(d)
	if err != nil {
		return "", err
	}
	return l.T("RelativeAgo", map[string]any{"Duration": dur})
}

// zoneNames are the zone abbreviations a language writes its own way;
// every other zone is written as Go's tz database names it ("JST",
// "CET"), or as UTC±hh where it has no abbreviation.
var zoneNames = map[string]map[string]string{
	"de": {"CET": "MEZ", "CEST": "MESZ"},
}

// ZoneName names the zone of t as language tag writes it: Go's
// abbreviation ("JST", "CET"), the language's own ("MEZ"), or the offset
// ("UTC-03", "UTC+05:30") where the tz database gives only numbers.
func ZoneName(tag interface{ String() string }, t time.Time) string {
	name, offset := t.Zone()
	base := tag.String()
	if i := strings.IndexByte(base, '-'); i > 0 {
		base = base[:i]
	}
	if own, ok := zoneNames[base][name]; ok {
		return own
	}
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	return UTCOffset(offset)
}

// UTCOffset writes an offset in seconds east of UTC as "UTC+09",
// "UTC-03", "UTC+05:30", "UTC" for 0.
func UTCOffset(offset int) string {
	if offset == 0 {
		return "UTC"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	h, m := offset/3600, offset%3600/60
	s := "UTC" + sign + fmt.Sprintf("%02d", h)
	if m != 0 {
		s += ":" + strconv.Itoa(m/10) + strconv.Itoa(m%10)
	}
	return s
}
