package schedule

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Day is the "d" unit of lead times: 24 hours of real time, not a calendar day. A reminder
// "1d" before an event just after a DST change comes 24 hours before it, which the wall
// clock shows as 23 or 25 hours.
const Day = 24 * time.Hour

// MaxLead is the longest lead time a reminder may have.
const MaxLead = 30 * Day

// leadUnits are the units FormatLeads and HumanLead write, longest first.
var leadUnits = [...]struct {
	size        time.Duration
	short, long string
}{
	{Day, "d", "day"},
	{time.Hour, "h", "hour"},
	{time.Minute, "m", "minute"},
	{time.Second, "s", "second"},
}

// ParseLeads reads a comma-separated list of lead times, each how long before the event its
// reminder comes: "10m,2m", "1h30m", "0" (at the start), "2d" or "1d12h". The units are
// those of time.ParseDuration plus "d" for days of 24 hours each (see Day). A lead must be
// a whole number of seconds, from 0 to 30 days (MaxLead). Duplicates are dropped and the
// result is sorted longest first, i.e. earliest reminder first.
func ParseLeads(s string) ([]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no lead times given: write them like 10m,2m")
	}
	var leads []time.Duration
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("empty lead time in %q: separate lead times with single commas, e.g. 10m,2m", s)
		}
		lead, err := parseLead(item)
		if err != nil {
			return nil, err
		}
		leads = append(leads, lead)
	}
	return normalizeLeads(leads), nil
}

// parseLead reads one lead time such as "10m", "1d12h" or "0".
func parseLead(s string) (time.Duration, error) {
	body, negative := strings.CutPrefix(s, "-")
	if !negative {
		body = strings.TrimPrefix(s, "+")
	}
	d, err := parseUnsignedLead(body)
	switch {
	case err != nil:
		return 0, fmt.Errorf("lead time %q is not a duration: write it like 10m, 1h30m, 2d or 0", s)
	case negative && d != 0:
		return 0, fmt.Errorf("lead time %s is negative: a reminder comes before the event", s)
	case d > MaxLead:
		return 0, fmt.Errorf("lead time %s is more than 30 days", s)
	case d%time.Second != 0:
		return 0, fmt.Errorf("lead time %s is not a whole number of seconds", s)
	}
	return d, nil
}

// parseUnsignedLead reads a lead time without a sign: an optional whole number of days
// ("2d") followed by an optional time.ParseDuration string ("1h30m"). A day count too large
// for any lead comes back as MaxLead+Day, so that parseLead reports it as too long.
func parseUnsignedLead(s string) (time.Duration, error) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, errors.New("not a duration")
	}
	days, rest, hasDays := strings.Cut(s, "d")
	if !hasDays {
		return time.ParseDuration(s)
	}
	if days == "" || strings.Trim(days, "0123456789") != "" {
		return 0, errors.New("not a day count")
	}
	n, err := strconv.Atoi(days)
	if err != nil || n > int(MaxLead/Day) {
		n = int(MaxLead/Day) + 1
	}
	total := time.Duration(n) * Day
	if rest == "" {
		return total, nil
	}
	if rest[0] == '+' || rest[0] == '-' {
		return 0, errors.New("not a duration")
	}
	d, err := time.ParseDuration(rest)
	return total + min(d, MaxLead+Day), err // clamped so that the sum cannot overflow
}

// normalizeLeads sorts leads longest first and drops duplicates, in place.
func normalizeLeads(leads []time.Duration) []time.Duration {
	slices.SortFunc(leads, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return slices.Compact(leads)
}

// FormatLeads writes leads as ParseLeads reads them, each in its shortest form:
// "1d,1h30m,2m,0".
func FormatLeads(leads []time.Duration) string {
	items := make([]string, len(leads))
	for i, d := range leads {
		items[i] = formatLead(d)
	}
	return strings.Join(items, ",")
}

func formatLead(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0: // not a valid lead, but still shown
		return d.String()
	}
	var b strings.Builder
	for _, u := range leadUnits {
		if n := d / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.short)
			d -= n * u.size
		}
	}
	if d > 0 { // a fraction of a second, not a valid lead but still shown
		b.WriteString(d.String())
	}
	return b.String()
}

// HumanLead writes a lead time for people: "10 minutes", "1 hour 30 minutes", "2 days",
// "0 minutes". Fractions of a second are dropped.
func HumanLead(d time.Duration) string {
	if d == 0 {
		return "0 minutes"
	}
	var parts []string
	for _, u := range leadUnits {
		if n := d / u.size; n > 0 {
			parts = append(parts, plural(int64(n), u.long))
			d -= n * u.size
		}
	}
	if len(parts) == 0 { // negative, or less than a second
		return d.String()
	}
	return strings.Join(parts, " ")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}

// EncodeLeadSeconds returns the storage form of leads: whole seconds, comma-separated, in
// the given order ("600,120"). Leads come from ParseLeads or DecodeLeadSeconds, so they are
// whole seconds; a fraction would be dropped.
func EncodeLeadSeconds(leads []time.Duration) string {
	items := make([]string, len(leads))
	for i, d := range leads {
		items[i] = strconv.FormatInt(int64(d/time.Second), 10)
	}
	return strings.Join(items, ",")
}

// DecodeLeadSeconds reads the storage form written by EncodeLeadSeconds and checks it as
// ParseLeads would: each lead from 0 to 30 days, at least one. The result is sorted longest
// first, without duplicates.
func DecodeLeadSeconds(s string) ([]time.Duration, error) {
	if s == "" {
		return nil, errors.New("stored lead times are empty")
	}
	var leads []time.Duration
	for item := range strings.SplitSeq(s, ",") {
		seconds, err := strconv.ParseInt(item, 10, 64)
		if err != nil || seconds < 0 || seconds > int64(MaxLead/time.Second) {
			return nil, fmt.Errorf("stored lead times %q: %q is not a number of seconds from 0 to %d", s, item, int64(MaxLead/time.Second))
		}
		leads = append(leads, time.Duration(seconds)*time.Second)
	}
	return normalizeLeads(leads), nil
}
